/* The dashboard's "What moved" section while the worker computes it (moments/views/moved.py): ask the API until it
   answers with the numbers (200) or a reason (409), then reload so the page draws them. Plain JavaScript, a file
   (the CSP forbids inline scripts). */
(function () {
  "use strict";
  var box = document.querySelector(".js-moved-poll");
  if (!box) return;
  var delay = 1000;
  function poll() {
    fetch(box.dataset.url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (response.status === 202) {
          delay = Math.min(delay * 1.3, 5000);
          window.setTimeout(poll, delay);
          return;
        }
        window.location.reload();
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, delay);
})();
