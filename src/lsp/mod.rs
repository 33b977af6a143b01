//! `onus lsp`, the language server: JSON-RPC messages over a `Connection`
//! in, answers and published diagnostics out. One synchronous loop owns one
//! `Workspace` (a checked `Session` per load root) and answers every request
//! from it, through a small dispatcher per request type; positions are
//! converted in `position` only. No second parser or checker: diagnostics,
//! hovers and formatting come from the `Session`, the checker's `Program`
//! and the `fmt` engine.

mod complete;
mod diagnostics;
mod edits;
mod hover;
mod index;
mod position;
mod workspace;

pub use position::{Address, LineIndex, STD_SCHEME};
pub use workspace::{PROJECT_FILE, Settings};

use diagnostics::Published;
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, Notification as _,
    PublishDiagnostics,
};
use lsp_types::request::{
    CodeActionRequest, Completion, DocumentSymbolRequest, Formatting, GotoDefinition, HoverRequest,
    References, Request as LspRequest,
};
use lsp_types::{
    CodeActionProviderCapability, CompletionOptions, CompletionResponse, DocumentSymbolResponse,
    GotoDefinitionResponse, Hover, HoverContents, HoverProviderCapability, InitializeParams,
    Location, MarkupContent, MarkupKind, OneOf, Position, PublishDiagnosticsParams, Range,
    ServerCapabilities, ServerInfo, TextDocumentSyncCapability, TextDocumentSyncKind, Uri,
};
use workspace::{Analysis, Document, Workspace};

type Error = Box<dyn std::error::Error + Send + Sync>;

/// The custom request that serves a std file's text (the read-only
/// documents behind `onus-std:` locations): `{ "uri": ... }` in, `{ "text":
/// ... }` out.
pub enum StdSource {}

impl LspRequest for StdSource {
    type Params = StdSourceParams;
    type Result = Option<StdSourceResult>;
    const METHOD: &'static str = "onus/stdSource";
}

#[derive(serde::Deserialize, serde::Serialize)]
pub struct StdSourceParams {
    pub uri: Uri,
}

#[derive(serde::Deserialize, serde::Serialize)]
pub struct StdSourceResult {
    pub text: String,
}

pub fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![".".into()]),
            ..CompletionOptions::default()
        }),
        document_formatting_provider: Some(OneOf::Left(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
        ..ServerCapabilities::default()
    }
}

/// Serves one client until it shuts the server down.
pub fn serve(connection: &Connection) -> Result<(), Error> {
    let (id, params) = connection.initialize_start()?;
    let params: InitializeParams = serde_json::from_value(params)?;
    let settings = initial_settings(&params);
    let result = lsp_types::InitializeResult {
        capabilities: capabilities(),
        server_info: Some(ServerInfo {
            name: "onus".into(),
            version: Some(env!("CARGO_PKG_VERSION").into()),
        }),
    };
    connection.initialize_finish(id, serde_json::to_value(result)?)?;
    let mut server = Server {
        connection,
        workspace: Workspace::new(settings),
        published: Published::new(),
    };
    for message in &connection.receiver {
        match message {
            Message::Request(request) => {
                if connection.handle_shutdown(&request)? {
                    return Ok(());
                }
                let response = server.request(request);
                connection.sender.send(Message::Response(response))?;
            }
            Message::Notification(n) => server.notification(n)?,
            Message::Response(_) => {}
        }
    }
    Ok(())
}

/// The initialization options (`paths`, `facts`, `now`, `yaml_schema`, as in `onus.toml`),
/// with relative paths made absolute against the first workspace folder.
fn initial_settings(params: &InitializeParams) -> Settings {
    let Some(options) = params.initialization_options.clone() else {
        return Settings::default();
    };
    let mut settings: Settings = serde_json::from_value(options).unwrap_or_default();
    #[allow(deprecated, reason = "older clients send only rootUri")]
    let folder = params
        .workspace_folders
        .as_ref()
        .and_then(|f| f.first())
        .map(|f| f.uri.clone())
        .or_else(|| params.root_uri.clone());
    let base = match folder.as_ref().and_then(Address::from_uri) {
        Some(Address::File(dir)) => dir,
        _ => std::env::current_dir().unwrap_or_default(),
    };
    let absolute = |p: &str| base.join(p).display().to_string();
    settings.paths = settings.paths.iter().map(|p| absolute(p)).collect();
    settings.facts = settings
        .facts
        .iter()
        .map(|spec| match spec.split_once('=') {
            Some((name, file)) if crate::lexer::is_identifier(name) => {
                format!("{name}={}", absolute(file))
            }
            _ => absolute(spec),
        })
        .collect();
    settings
}

struct Server<'c> {
    connection: &'c Connection,
    workspace: Workspace,
    /// What the client was last told, per file.
    published: Published,
}

/// One request, parsed for its type and answered by `handler`, or passed on.
struct Dispatch<'s, 'c> {
    server: &'s mut Server<'c>,
    request: Option<Request>,
    response: Option<Response>,
}

impl<'c> Dispatch<'_, 'c> {
    fn on<R: LspRequest>(
        mut self,
        handler: impl FnOnce(&Server<'c>, R::Params) -> R::Result,
    ) -> Self {
        let Some(request) = self.request.take_if(|r| r.method == R::METHOD) else {
            return self;
        };
        let id: RequestId = request.id.clone();
        self.response = Some(match serde_json::from_value::<R::Params>(request.params) {
            Ok(params) => {
                let result = handler(self.server, params);
                Response::new_ok(id, result)
            }
            Err(e) => Response::new_err(id, ErrorCode::InvalidParams as i32, e.to_string()),
        });
        self
    }

    fn finish(self) -> Response {
        match (self.response, self.request) {
            (Some(response), _) => response,
            (None, Some(r)) => Response::new_err(
                r.id,
                ErrorCode::MethodNotFound as i32,
                format!("onus lsp does not answer {}", r.method),
            ),
            (None, None) => Response::new_err(
                RequestId::from(0),
                ErrorCode::InternalError as i32,
                "no request".into(),
            ),
        }
    }
}

/// A position in an open or loaded document, resolved against its load.
struct At<'w> {
    analysis: &'w Analysis,
    file: crate::source::FileId,
    offset: usize,
}

impl<'c> Server<'c> {
    fn request(&mut self, request: Request) -> Response {
        Dispatch {
            server: self,
            request: Some(request),
            response: None,
        }
        .on::<HoverRequest>(Server::hover)
        .on::<GotoDefinition>(Server::definition)
        .on::<References>(Server::references)
        .on::<Completion>(Server::completion)
        .on::<Formatting>(Server::formatting)
        .on::<DocumentSymbolRequest>(Server::symbols)
        .on::<CodeActionRequest>(Server::code_actions)
        .on::<StdSource>(Server::std_source)
        .finish()
    }

    fn notification(&mut self, n: Notification) -> Result<(), Error> {
        let changed = match n.method.as_str() {
            DidOpenTextDocument::METHOD => {
                let p: lsp_types::DidOpenTextDocumentParams = serde_json::from_value(n.params)?;
                let Some(address) = Address::from_uri(&p.text_document.uri) else {
                    return Ok(());
                };
                if matches!(address, Address::Std(_)) {
                    return Ok(());
                }
                let document = Document {
                    text: p.text_document.text,
                    version: p.text_document.version,
                };
                self.workspace.documents.insert(address.clone(), document);
                address
            }
            DidChangeTextDocument::METHOD => {
                let p: lsp_types::DidChangeTextDocumentParams = serde_json::from_value(n.params)?;
                let Some(address) = Address::from_uri(&p.text_document.uri) else {
                    return Ok(());
                };
                // Full synchronisation: the last change is the whole text.
                let (Some(change), Some(document)) = (
                    p.content_changes.into_iter().last(),
                    self.workspace.documents.get_mut(&address),
                ) else {
                    return Ok(());
                };
                document.text = change.text;
                document.version = p.text_document.version;
                address
            }
            DidCloseTextDocument::METHOD => {
                let p: lsp_types::DidCloseTextDocumentParams = serde_json::from_value(n.params)?;
                let Some(address) = Address::from_uri(&p.text_document.uri) else {
                    return Ok(());
                };
                self.workspace.documents.remove(&address);
                address
            }
            _ => return Ok(()),
        };
        self.workspace.refresh(&changed);
        self.publish()
    }

    /// Sends every file's diagnostics that changed since last time, and
    /// empty lists for files that have none any more.
    fn publish(&mut self) -> Result<(), Error> {
        let now = diagnostics::collect(&self.workspace);
        let gone: Vec<Address> = self
            .published
            .keys()
            .filter(|a| !now.contains_key(*a))
            .cloned()
            .collect();
        for address in gone {
            self.send_diagnostics(&address, Vec::new())?;
        }
        for (address, list) in &now {
            if self.published.get(address) != Some(list) {
                self.send_diagnostics(address, list.clone())?;
            }
        }
        self.published = now;
        Ok(())
    }

    fn send_diagnostics(
        &self,
        address: &Address,
        list: Vec<lsp_types::Diagnostic>,
    ) -> Result<(), Error> {
        let Some(uri) = address.uri() else {
            return Ok(());
        };
        let version = self.workspace.documents.get(address).map(|d| d.version);
        let params = PublishDiagnosticsParams::new(uri, list, version);
        let n = Notification::new(PublishDiagnostics::METHOD.into(), params);
        self.connection.sender.send(Message::Notification(n))?;
        Ok(())
    }

    fn at(&self, uri: &Uri, position: Position) -> Option<At<'_>> {
        let address = Address::from_uri(uri)?;
        let analysis = self.workspace.analysis(&address)?;
        let file = analysis.file(&address)?;
        let text = &analysis.session.sources.get(file).text;
        let offset = LineIndex::new(text).offset(position);
        Some(At {
            analysis,
            file,
            offset,
        })
    }

    fn location(analysis: &Analysis, span: crate::source::Span) -> Option<Location> {
        let uri = analysis.address(span.file)?.uri()?;
        Some(Location::new(uri, diagnostics::range(analysis, span)))
    }

    fn hover(&self, p: lsp_types::HoverParams) -> Option<Hover> {
        let tdp = p.text_document_position_params;
        let at = self.at(&tdp.text_document.uri, tdp.position)?;
        let occurrence = at.analysis.index.at(at.file, at.offset)?;
        let text = hover::hover(at.analysis, occurrence);
        (!text.is_empty()).then(|| Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: text,
            }),
            range: Some(diagnostics::range(at.analysis, occurrence.span)),
        })
    }

    fn definition(&self, p: lsp_types::GotoDefinitionParams) -> Option<GotoDefinitionResponse> {
        let tdp = p.text_document_position_params;
        let at = self.at(&tdp.text_document.uri, tdp.position)?;
        let offset = at.offset as u32;
        if let Some((_, used)) =
            at.analysis.index.uses.iter().find(|(span, _)| {
                span.file == at.file && span.start <= offset && offset <= span.end
            })
        {
            let uri = at.analysis.address(*used)?.uri()?;
            let start = Position::new(0, 0);
            return Some(GotoDefinitionResponse::Scalar(Location::new(
                uri,
                Range::new(start, start),
            )));
        }
        let occurrence = at.analysis.index.at(at.file, at.offset)?;
        let span = at.analysis.index.definition(&occurrence.target)?;
        Server::location(at.analysis, span).map(GotoDefinitionResponse::Scalar)
    }

    fn references(&self, p: lsp_types::ReferenceParams) -> Option<Vec<Location>> {
        let tdp = p.text_document_position;
        let at = self.at(&tdp.text_document.uri, tdp.position)?;
        let occurrence = at.analysis.index.at(at.file, at.offset)?;
        let with_declaration = p.context.include_declaration;
        Some(
            at.analysis
                .index
                .references(&occurrence.target)
                .filter(|o| with_declaration || !o.definition)
                .filter_map(|o| Server::location(at.analysis, o.span))
                .collect(),
        )
    }

    fn completion(&self, p: lsp_types::CompletionParams) -> Option<CompletionResponse> {
        let tdp = p.text_document_position;
        let address = Address::from_uri(&tdp.text_document.uri)?;
        let analysis = self.workspace.analysis(&address)?;
        let text = self.workspace.text(&address)?;
        let index = LineIndex::new(&text);
        let offset = index.offset(tdp.position);
        let start = complete::word_start(&text[..offset]);
        let range = index.range(start..offset);
        let file = analysis.file(&address);
        let items = complete::complete(analysis, file, &text, offset, range);
        Some(CompletionResponse::Array(items))
    }

    fn formatting(
        &self,
        p: lsp_types::DocumentFormattingParams,
    ) -> Option<Vec<lsp_types::TextEdit>> {
        let address = Address::from_uri(&p.text_document.uri)?;
        if matches!(address, Address::Std(_)) {
            return None;
        }
        edits::format(&self.workspace.text(&address)?)
    }

    fn symbols(&self, p: lsp_types::DocumentSymbolParams) -> Option<DocumentSymbolResponse> {
        let address = Address::from_uri(&p.text_document.uri)?;
        let analysis = self.workspace.analysis(&address)?;
        let file = analysis.file(&address)?;
        Some(DocumentSymbolResponse::Nested(edits::symbols(
            analysis, file,
        )))
    }

    fn code_actions(
        &self,
        p: lsp_types::CodeActionParams,
    ) -> Option<lsp_types::CodeActionResponse> {
        let address = Address::from_uri(&p.text_document.uri)?;
        let analysis = self.workspace.analysis(&address)?;
        let file = analysis.file(&address)?;
        let actions = edits::owner_fixes(analysis, file, &p.text_document.uri, p.range);
        Some(
            actions
                .into_iter()
                .map(lsp_types::CodeActionOrCommand::CodeAction)
                .collect(),
        )
    }

    fn std_source(&self, p: StdSourceParams) -> Option<StdSourceResult> {
        match Address::from_uri(&p.uri)? {
            address @ Address::Std(_) => Some(StdSourceResult {
                text: self.workspace.text(&address)?,
            }),
            Address::File(_) => None,
        }
    }
}
