// Seed 001's modal exit: tell the page that opened or framed the portal that the user is done,
// then close. Served as a file so that the portal's CSP needs no inline script.
(function () {
  var el = document.getElementById("payport-close");
  var target = (el && el.dataset.targetOrigin) || "*";
  var msg = { type: "payport:close", status: el && el.dataset.status, withdrawal_id: el && el.dataset.withdrawalId };
  try { if (window.opener) window.opener.postMessage(msg, target); } catch (e) {}
  try { if (window.parent && window.parent !== window) window.parent.postMessage(msg, target); } catch (e) {}
  window.close();
})();
