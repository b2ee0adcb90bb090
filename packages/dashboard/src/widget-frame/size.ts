/**
 * Runs inside each widget's sandboxed frame (loaded by URL: the frame inherits the dashboard's
 * `script-src 'self'`) and tells the dashboard how tall the widget's content is, so the frame
 * fits it. Loaded as a classic script, so it must not import anything.
 */
function postHeight(): void {
  parent.postMessage({ type: "goatkit:widget-size", height: Math.ceil(document.body.getBoundingClientRect().height) }, "*");
}

addEventListener("DOMContentLoaded", () => {
  postHeight();
  new ResizeObserver(postHeight).observe(document.body);
});
addEventListener("load", postHeight);
