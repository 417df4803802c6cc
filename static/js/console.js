/* The analyst console's behaviour: charts, the live response rate, copying links.
 * No inline scripts: data arrives in <script type="application/json"> blocks (json_script). */
(function () {
  "use strict";

  function readJson(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  /* ---- Charts (plotly.js served from static/vendor) -------------------------------------- */
  // A download arrow over a tray, in plotly's icon coordinates (y grows upwards).
  var SVG_ICON = {
    width: 1000,
    height: 1000,
    path: "M500 250L250 550H400V900H600V550H750ZM100 50H900V300H800V150H200V300H100Z",
    transform: "matrix(1 0 0 -1 0 1000)"
  };

  function download(element, filename, format) {
    window.Plotly.downloadImage(element, {format: format, filename: filename, scale: format === "png" ? 2 : 1});
  }

  function drawCharts() {
    var payload = readJson("chart-data");
    if (!payload || !window.Plotly) { return; }
    document.querySelectorAll("[data-chart]").forEach(function (element) {
      var chart = payload.charts[element.getAttribute("data-chart")];
      if (!chart) { return; }
      var config = {
        responsive: true,
        displaylogo: false,
        displayModeBar: true,
        modeBarButtonsToRemove: ["lasso2d", "select2d"],
        toImageButtonOptions: {format: "png", filename: chart.filename, scale: 2},
        modeBarButtonsToAdd: [{
          name: "download-svg",
          title: payload.labels.svg,
          icon: SVG_ICON,
          click: function (gd) { download(gd, chart.filename, "svg"); }
        }]
      };
      window.Plotly.newPlot(element, chart.figure.data, chart.figure.layout, config);
      // The modebar is not reachable by keyboard: the same downloads as buttons under the chart.
      var card = element.closest(".chart-card");
      if (card) {
        card.querySelectorAll("[data-download]").forEach(function (button) {
          button.hidden = false;
          button.addEventListener("click", function () {
            download(element, chart.filename, button.getAttribute("data-download"));
          });
        });
      }
    });
  }

  /* ---- Live response rate on a round's page ---------------------------------------------- */
  function watchProgress() {
    var box = document.querySelector("[data-progress-url]");
    if (!box) { return; }
    var url = box.getAttribute("data-progress-url");
    var interval = parseInt(box.getAttribute("data-interval") || "5000", 10);
    var labels = readJson("state-labels") || {};
    var bar = box.querySelector("progress");
    var text = box.querySelector("[data-rate-text]");
    var template = (labels.rate || "%(submitted)s / %(invited)s").replace("%%", "%");

    function apply(data) {
      bar.value = data.percent;
      bar.textContent = data.percent + "%";
      text.textContent = template
        .replace("%(submitted)s", data.submitted)
        .replace("%(invited)s", data.invited)
        .replace("%(percent)s", data.percent);
      Object.keys(data.counts).forEach(function (state) {
        var count = box.querySelector('[data-count="' + state + '"]');
        if (count) { count.textContent = data.counts[state]; }
      });
      Object.keys(data.states).forEach(function (pseudonym) {
        var cell = document.querySelector('[data-state-for="' + pseudonym + '"]');
        var state = data.states[pseudonym];
        if (cell && state && cell.getAttribute("data-state") !== state) {
          cell.setAttribute("data-state", state);
          cell.className = "state state--" + state;
          cell.textContent = (labels.states || {})[state] || state;
        }
      });
    }

    function poll() {
      if (document.hidden) { return; }
      fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) { if (data) { apply(data); } })
        .catch(function () { /* offline for a moment: the next poll tries again */ });
    }
    window.setInterval(poll, interval);
    document.addEventListener("visibilitychange", poll);
  }

  /* ---- Copying personal links ------------------------------------------------------------ */
  function copyLinks() {
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      button.addEventListener("click", function () {
        var input = document.getElementById(button.getAttribute("data-copy"));
        if (!input) { return; }
        var done = function () {
          var original = button.getAttribute("data-label") || button.textContent;
          button.setAttribute("data-label", original);
          button.textContent = button.getAttribute("data-copied") || "✓";
          window.setTimeout(function () { button.textContent = original; }, 2000);
        };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(input.value).then(done, function () {
            input.select();
          });
        } else {
          input.select();
          try { document.execCommand("copy"); done(); } catch (e) { /* the text stays selected */ }
        }
      });
    });
  }

  /* ---- The questions form: "same as above" turns the checkboxes off ---------------------- */
  function inheritToggle() {
    var inherit = document.querySelector("[data-inherit]");
    if (!inherit) { return; }
    var boxes = document.querySelectorAll("[data-measures] input[type=checkbox]");
    function sync() {
      boxes.forEach(function (box) { box.disabled = inherit.checked; });
    }
    inherit.addEventListener("change", sync);
    sync();
  }

  function start() {
    drawCharts();
    watchProgress();
    copyLinks();
    inheritToggle();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
