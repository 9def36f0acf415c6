/* Momentum pages: draw the Plotly figures embedded as JSON, sort tables, poll a computing analysis.
   Plain JavaScript, no inline scripts (the CSP allows only files from 'self'). */
(function () {
  "use strict";

  var NARROW = 640; /* moments/charts/quadrant.py NARROW_BREAKPOINT_PX */

  function figureFor(el) {
    var node = document.getElementById(el.dataset.figure);
    return node ? JSON.parse(node.textContent) : null;
  }

  /* moments/charts/ writes every title and label; for a phone it also writes the whole figure again, laid out for a
     narrow chart (labels placed for it, short captions and titles), in layout.meta.narrow. */
  function figureForWidth(figure, width) {
    var narrow = figure.layout && figure.layout.meta && figure.layout.meta.narrow;
    return width < NARROW && narrow ? narrow : figure;
  }

  /* A figure that moments/charts/ left empty on purpose (too few moments for a quadrant) says why, in words. */
  function showMessage(el, message) {
    el.removeAttribute("role");
    el.removeAttribute("aria-label");
    el.classList.add("plot-message");
    var p = document.createElement("p");
    p.className = "muted";
    p.textContent = message;
    el.replaceChildren(p);
    el.classList.add("is-drawn");
  }

  /* The mode bar's buttons are links that each take a tab stop: keep them for the mouse, out of the tab order
     (the page's own download buttons do the same by keyboard). Plotly redraws them, so after every plot. */
  function modeBarOutOfTabOrder(el) {
    el.querySelectorAll(".modebar-btn, .modebar a, .modebar button").forEach(function (button) {
      button.setAttribute("tabindex", "-1");
    });
  }

  function plotConfig(el, width) {
    return {
      responsive: true,
      displaylogo: false,
      /* On a phone the bar would sit on the labels, and the page has download buttons. */
      displayModeBar: width < NARROW ? false : "hover",
      modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d", "toggleSpikelines", "zoomIn2d", "zoomOut2d"],
      toImageButtonOptions: { format: "png", filename: el.dataset.filename || el.id, scale: 2 },
    };
  }

  function drawPlot(el) {
    var figure = figureFor(el);
    if (!figure) return;
    var message = figure.layout && figure.layout.meta && figure.layout.meta.message;
    if (message) return showMessage(el, message);
    var width = el.clientWidth || window.innerWidth;
    figure = figureForWidth(figure, width);
    Plotly.newPlot(el, figure.data, figure.layout, plotConfig(el, width)).then(function () {
      modeBarOutOfTabOrder(el);
      el.on("plotly_afterplot", function () { modeBarOutOfTabOrder(el); });
      el.classList.add("is-drawn");
    });
    if (el.dataset.clickable) {
      el.on("plotly_click", function (event) {
        var point = event.points && event.points[0];
        var url = point && point.customdata && point.customdata[0];
        if (url) window.location.assign(url);
      });
    }
  }

  function drawPlots() {
    if (typeof Plotly === "undefined") return;
    document.querySelectorAll(".js-plot").forEach(drawPlot);
    document.querySelectorAll(".js-download-chart").forEach(function (button) {
      button.addEventListener("click", function () {
        var el = document.getElementById(button.dataset.target);
        Plotly.downloadImage(el, {
          format: button.dataset.format,
          filename: button.dataset.filename,
          width: 1200,
          height: 760,
          scale: button.dataset.format === "png" ? 2 : 1,
        });
      });
    });
  }

  /* Sortable tables: header buttons sort by each cell's data-sort; empty values always sort last. */
  function sortTable(table, index, type, direction) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[index].dataset.sort, y = b.cells[index].dataset.sort;
      if (x === "" && y === "") return 0;
      if (x === "") return 1;
      if (y === "") return -1;
      var cmp = type === "num" ? parseFloat(x) - parseFloat(y) : x.localeCompare(y);
      return direction === "ascending" ? cmp : -cmp;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }

  function initSortable() {
    document.querySelectorAll("table.js-sortable").forEach(function (table) {
      var headers = table.tHead.rows[0].cells;
      Array.prototype.forEach.call(headers, function (th, index) {
        var button = th.querySelector("button.sort");
        if (!button) return;
        button.addEventListener("click", function () {
          var current = th.getAttribute("aria-sort");
          var direction = current === "ascending" ? "descending" : "ascending";
          Array.prototype.forEach.call(headers, function (other) { other.removeAttribute("aria-sort"); });
          th.setAttribute("aria-sort", direction);
          sortTable(table, index, button.dataset.type, direction);
        });
      });
      table.addEventListener("click", function (event) {
        if (event.target.closest("a, button")) return;
        var row = event.target.closest("tr[data-href]");
        if (row) window.location.assign(row.dataset.href);
      });
    });
  }

  /* While the analysis of this view computes: poll its status and move the bar. When it is done, reload (the URL
     holds the filters) unless the user has started changing the filters meanwhile: then say the results are
     ready and leave the unsaved choices alone. When it failed, show its message and stop: reloading would only
     ask for the same failing view again. */
  var filtersTouched = false;

  function initRunProgress() {
    var box = document.querySelector(".js-run-progress");
    if (!box) return;
    var bar = box.querySelector(".progress");
    var fill = bar.querySelector("span");
    var message = box.querySelector(".js-run-message");
    var title = box.querySelector(".js-run-title");
    var explain = box.querySelector(".js-run-explain");
    var delay = 700;
    // the words come from the page (data-word-*), in its language; English when a page lacks them
    function word(name, english) { return box.getAttribute("data-word-" + name) || english; }
    function finish(run) {
      if (run.status === "done") {
        if (!filtersTouched) {
          message.textContent = word("done", "Done: drawing the results…");
          window.location.reload();
          return;
        }
        title.textContent = word("ready", "The analysis is ready");
        explain.textContent = "";
        message.textContent = word("apply", "Apply your new filters, or") + " ";
        var link = document.createElement("a");
        link.href = window.location.href;
        link.textContent = word("show", "show the results of this view");
        message.appendChild(link);
        return;
      }
      box.classList.remove("run-progress");
      box.classList.add("alert-error");
      box.setAttribute("role", "alert");
      bar.hidden = true;
      title.textContent = word("failed", "The analysis failed");
      explain.textContent = run.message || word("no-reason", "No reason was recorded.");
      message.textContent = word("change", "Change the filters above and press Apply.");
    }
    function poll() {
      fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (run) {
          var percent = Math.round((run.progress || 0) * 100);
          fill.style.width = percent + "%";
          bar.setAttribute("aria-valuenow", String(percent));
          if (run.finished) {
            finish(run);
            return;
          }
          message.textContent = (run.status === "running" ? word("computing", "Computing:") + " " + percent + "%" : word("queued", "Queued: waiting for a worker")) +
            (run.message ? " · " + run.message : "");
          delay = Math.min(delay * 1.2, 3000);
          window.setTimeout(poll, delay);
        })
        .catch(function () { window.setTimeout(poll, 3000); });
    }
    window.setTimeout(poll, 400);
  }

  /* Fixed targets only matter for the fixed threshold mode. */
  function initFilters() {
    var form = document.querySelector(".js-filters");
    if (form) {
      var touched = function () { filtersTouched = true; };
      form.addEventListener("change", touched);
      form.addEventListener("input", touched);
    }
    var select = document.getElementById("id_threshold");
    if (!select) return;
    var fields = document.querySelectorAll(".js-fixed-targets");
    function sync() {
      fields.forEach(function (f) { f.hidden = select.value !== "fixed"; });
    }
    select.addEventListener("change", sync);
    sync();
  }

  function initPrint() {
    document.querySelectorAll(".js-print").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    drawPlots();
    initSortable();
    initRunProgress();
    initFilters();
    initPrint();
  });
})();
