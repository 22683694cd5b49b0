// The dashboard's only script: copy buttons. A button with data-copy="ID" copies the text of
// the element with that id and says so (data-copied) for a moment.
document.addEventListener("click", function (e) {
  var b = e.target.closest("button[data-copy]");
  if (!b) return;
  var el = document.getElementById(b.getAttribute("data-copy"));
  if (!el || !navigator.clipboard) return;
  navigator.clipboard.writeText(el.textContent.trim()).then(function () {
    var label = b.textContent;
    b.textContent = b.getAttribute("data-copied") || label;
    setTimeout(function () { b.textContent = label; }, 2000);
  });
});
