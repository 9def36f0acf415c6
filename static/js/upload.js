// Upload pages: wave names per journey, drag and drop onto the file input, the mapping form's binary field,
// and the progress bar that polls the upload's status.json until the import has finished.
(function () {
  "use strict";

  function uploadForm() {
    var form = document.getElementById("upload-form");
    if (!form) return;
    var journey = form.querySelector("select[name=journey]");
    var list = document.getElementById("wave-names");
    var data = document.getElementById("wave-data");
    var waves = data ? JSON.parse(data.textContent) : {};
    function fillWaves() {
      list.textContent = "";
      (waves[journey.value] || []).forEach(function (name) {
        var option = document.createElement("option");
        option.value = name;
        list.appendChild(option);
      });
    }
    journey.addEventListener("change", fillWaves);
    fillWaves();

    var zone = document.getElementById("dropzone");
    var input = zone.querySelector("input[type=file]");
    var label = document.getElementById("file-name");
    function showName() {
      label.textContent = input.files.length ? (label.getAttribute("data-word-selected") || "Selected:") + " " + input.files[0].name : "";
    }
    input.addEventListener("change", showName);
    ["dragenter", "dragover"].forEach(function (type) {
      zone.addEventListener(type, function (event) {
        event.preventDefault();
        zone.classList.add("dragging");
      });
    });
    ["dragleave", "drop"].forEach(function (type) {
      zone.addEventListener(type, function () { zone.classList.remove("dragging"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      if (event.dataTransfer && event.dataTransfer.files.length) {
        input.files = event.dataTransfer.files;
        showName();
      }
    });
  }

  function mappingForm() {
    // each outcome row: its positive values apply to a binary outcome only (disabled, and skipped by Tab, otherwise)
    Array.prototype.forEach.call(document.querySelectorAll("#outcomes-table .outcome-row"), function (row) {
      var type = row.querySelector("select.outcome-type");
      var positive = row.querySelector("input.outcome-positive");
      if (!type || !positive) return;
      function toggle() { positive.disabled = type.value !== "binary"; }
      type.addEventListener("change", toggle);
      toggle();
    });
  }

  function progress() {
    var state = document.getElementById("upload-state");
    if (!state) return;
    var status = state.getAttribute("data-status");
    if (status !== "queued" && status !== "running") return;
    var url = state.getAttribute("data-status-url");
    var bar = document.getElementById("upload-progress");
    function number(n) { return Number(n).toLocaleString(document.documentElement.lang || "en-GB"); }
    function poll() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
        .then(function (data) {
          var percent = Math.round(data.progress * 100);
          bar.setAttribute("aria-valuenow", String(percent));
          bar.firstElementChild.style.width = percent + "%";
          var badge = document.getElementById("upload-status");
          badge.textContent = data.status_display;
          badge.className = "badge upload-badge upload-" + data.status;
          document.getElementById("upload-message").textContent = data.message;
          state.querySelectorAll("[data-count]").forEach(function (el) {
            el.textContent = number(data[el.getAttribute("data-count")]);
          });
          if (data.finished) {
            // the result page (errors table, links) is rendered by the server
            window.setTimeout(function () { window.location.reload(); }, 600);
          } else {
            window.setTimeout(poll, 1000);
          }
        })
        .catch(function () { window.setTimeout(poll, 3000); });
    }
    window.setTimeout(poll, 500);
  }

  // While the worker reads the file ("Reading your file..."): poll status.json, move the bar, and load the page
  // once when the file is read (the mapping) or its reading failed (the upload's page says why). No reload loop:
  // the page reloads only on that change.
  function reading() {
    var box = document.getElementById("upload-reading");
    if (!box) return;
    var url = box.getAttribute("data-status-url");
    var bar = document.getElementById("upload-progress");
    function poll() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
        .then(function (data) {
          var percent = Math.max(5, Math.round(data.progress * 100));
          bar.setAttribute("aria-valuenow", String(percent));
          bar.firstElementChild.style.width = percent + "%";
          if (data.read || data.finished) {
            window.location.reload();
          } else {
            window.setTimeout(poll, 700);
          }
        })
        .catch(function () { window.setTimeout(poll, 3000); });
    }
    window.setTimeout(poll, 300);
  }

  document.addEventListener("DOMContentLoaded", function () {
    uploadForm();
    mappingForm();
    progress();
    reading();
  });
})();
