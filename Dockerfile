# onus in a container: `docker build -t onus .`, then
#   docker run --rm -v "$PWD:/work" onus check /work --facts /work/facts.json
# Build stage: the Rust toolchain compiles a release binary from the locked
# dependencies. Run stage: a small Debian with that binary alone, run as a
# user without privileges.
FROM rust:1-slim-bookworm AS build
WORKDIR /src
COPY . .
# No .git in the build context: pass the revision for `onus --version`.
ARG ONUS_GIT_REVISION=
ENV ONUS_GIT_REVISION=${ONUS_GIT_REVISION}
RUN cargo build --release --locked --bin onus \
 && strip target/release/onus

FROM debian:bookworm-slim
COPY --from=build /src/target/release/onus /usr/local/bin/onus
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin onus
USER onus
WORKDIR /work
ENTRYPOINT ["onus"]
CMD ["--help"]
