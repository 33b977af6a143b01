// Appended by tests/external/matrix_layout.rs to a copy of a matrix page
// (the page itself has no scripts): after layout, it writes what it
// measured into a pre element (id layout) for `chromium --dump-dom` to show.
(function () {
  var lines = function (element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    return range.getClientRects().length;
  };
  // Words that must stay whole: deciders, service and model names, layers.
  var words = document.querySelectorAll(".who, .matrix thead th div, .matrix tbody th");
  var broken = [];
  for (var i = 0; i < words.length; i++) {
    if (lines(words[i]) > 1) broken.push(words[i].textContent);
  }
  var box = document.querySelector(".matrix").parentElement;
  var page = document.documentElement;
  var links = document.querySelectorAll("details.subjects a[href^='#']");
  var dangling = 0;
  for (var j = 0; j < links.length; j++) {
    if (!document.getElementById(links[j].getAttribute("href").slice(1))) dangling++;
  }
  var out = document.createElement("pre");
  out.id = "layout";
  out.textContent = JSON.stringify({
    width: window.innerWidth,
    matrix_scrolls: box.scrollWidth > box.clientWidth,
    page_scrolls: page.scrollWidth > page.clientWidth,
    broken: broken,
    subjects: document.querySelectorAll("details.subjects li li").length,
    links: links.length,
    dangling: dangling
  });
  document.body.appendChild(out);
})();
