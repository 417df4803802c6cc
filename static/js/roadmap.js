/* The roadmap page: draws the figure from #roadmap-data and wires the filters, the comparison
 * toggle, the image downloads and the one-page print layout.
 *
 * The figure's structure is described in roadmaps/figures.py: field traces (meta.role "field")
 * hold one point per field with customdata [code, expected_year, importance, layer, verdict_key,
 * unpredictable, consensus]; the other per-field traces list the field code of every point in
 * meta.codes, so one filter applies to all of them alike. */
(function () {
  "use strict";

  var dataElement = document.getElementById("roadmap-data");
  var graph = document.getElementById("roadmap");
  if (!dataElement || !graph || !window.Plotly) {
    return;
  }
  var payload = JSON.parse(dataElement.textContent);
  var original = payload.figure;
  var meta = original.layout.meta || {};
  var low = payload.importance[0];

  // Array attributes that hold one value per point (the rest of a trace is shared).
  var PER_POINT = [
    "x", "y", "customdata", "hovertext", "text", "textposition", "meta.codes",
    "marker.color", "marker.symbol", "marker.size", "marker.line.width"
  ];
  var FILTERED_ROLES = { iqr: true, beyond: true, unpredictable: true, compare: true };

  var state = { layer: "", minImportance: low, verdict: "", compare: !!payload.compare };
  var printing = null;

  function clone(value) {
    return JSON.parse(JSON.stringify(value));
  }

  function getPath(object, path) {
    return path.split(".").reduce(function (node, key) {
      return node == null ? undefined : node[key];
    }, object);
  }

  function setPath(object, path, value) {
    var keys = path.split(".");
    var node = object;
    for (var i = 0; i < keys.length - 1; i += 1) {
      node = node[keys[i]];
    }
    node[keys[keys.length - 1]] = value;
  }

  function keepPoints(trace, keep) {
    PER_POINT.forEach(function (path) {
      var values = getPath(trace, path);
      if (Array.isArray(values) && values.length === keep.length) {
        setPath(trace, path, values.filter(function (_value, index) { return keep[index]; }));
      }
    });
  }

  function passes(point) {
    var importance = point[2];
    if (state.layer && point[3] !== state.layer) {
      return false;
    }
    if (state.verdict && point[4] !== state.verdict) {
      return false;
    }
    if (state.minImportance > low && (importance === null || importance < state.minImportance)) {
      return false;
    }
    return true;
  }

  function layoutFor(figure) {
    var layout = figure.layout;
    var span = state.layer && meta.layers ? meta.layers[state.layer] : null;
    if (span) {
      // Zoom on the layer's swimlane: its rows only, at the same row height.
      layout.yaxis.range = [span[1] + 0.5, span[0] - 0.5];
      layout.height = Math.max(
        320, meta.margin_top + meta.margin_bottom + meta.row_height * (span[1] - span[0] + 1)
      );
    }
    if (printing) {
      layout.width = printing.width;
    }
    return layout;
  }

  function draw() {
    var figure = clone(original);
    var visible = {};
    var shown = 0;
    var total = 0;
    figure.data.forEach(function (trace) {
      if (!trace.meta || trace.meta.role !== "field") {
        return;
      }
      var keep = trace.customdata.map(passes);
      total += keep.length;
      keep.forEach(function (kept, index) {
        if (kept) {
          visible[trace.customdata[index][0]] = true;
          shown += 1;
        }
      });
      keepPoints(trace, keep);
    });
    figure.data.forEach(function (trace) {
      var role = trace.meta && trace.meta.role;
      if (FILTERED_ROLES[role]) {
        keepPoints(trace, trace.meta.codes.map(function (code) { return !!visible[code]; }));
      }
      if (role === "compare" || role === "compare-legend") {
        trace.visible = state.compare;
      }
    });
    var count = document.getElementById("roadmap-count");
    if (count) {
      count.textContent = payload.labels.count
        .replace("%(shown)s", String(shown)).replace("%(total)s", String(total));
    }
    return window.Plotly.react(graph, figure.data, layoutFor(figure), config());
  }

  function download(format) {
    var full = graph._fullLayout || {};
    return window.Plotly.downloadImage(graph, {
      format: format,
      filename: payload.filename,
      width: full.width || 1200,
      height: full.height || 800,
      scale: format === "png" ? 2 : 1
    });
  }

  function config() {
    var settings = clone(payload.config);
    settings.modeBarButtonsToAdd = [{
      name: "download-svg",
      title: payload.labels.svg,
      icon: window.Plotly.Icons.camera,
      click: function () { download("svg"); }
    }];
    return settings;
  }

  // --- Print: the whole roadmap on one landscape page ------------------------------------------
  // The page box of @page { size: landscape; margin: 8mm } on A4 is about 1060 x 730 CSS
  // pixels; the title and the round's line above the figure take the rest of the height.
  var PAGE_WIDTH = 1020;
  var PAGE_HEIGHT = 620;

  function preparePrint() {
    if (printing) {
      return;
    }
    var height = (graph._fullLayout && graph._fullLayout.height) || original.layout.height;
    // Tall roadmaps are scaled down as a whole; the figure is widened by the same factor so
    // that, scaled, it still spans the page's width.
    var zoom = Math.min(1, PAGE_HEIGHT / height);
    printing = { width: Math.round(PAGE_WIDTH / zoom), zoom: zoom };
    graph.style.width = printing.width + "px";
    window.Plotly.relayout(graph, { width: printing.width });
    graph.style.zoom = String(zoom);
    document.body.classList.add("is-printing");
  }

  function finishPrint() {
    if (!printing) {
      return;
    }
    printing = null;
    graph.style.zoom = "";
    graph.style.width = "";
    document.body.classList.remove("is-printing");
    draw();
  }

  window.roadmapPrint = { prepare: preparePrint, finish: finishPrint };
  window.addEventListener("beforeprint", preparePrint);
  window.addEventListener("afterprint", finishPrint);

  // --- Controls ---------------------------------------------------------------------------------
  var filters = document.getElementById("roadmap-filters");
  var layer = document.getElementById("filter-layer");
  var importance = document.getElementById("filter-importance");
  var importanceValue = document.getElementById("filter-importance-value");
  var verdict = document.getElementById("filter-verdict");
  var reset = document.getElementById("filter-reset");
  var compare = document.getElementById("roadmap-compare");

  if (filters) {
    filters.hidden = false;
  }
  Array.prototype.forEach.call(document.querySelectorAll(".js-only"), function (element) {
    element.hidden = false;
  });

  if (layer) {
    layer.addEventListener("change", function () { state.layer = layer.value; draw(); });
  }
  if (importance) {
    importance.addEventListener("input", function () {
      state.minImportance = parseFloat(importance.value);
      if (importanceValue) {
        importanceValue.textContent = state.minImportance.toFixed(1);
      }
      draw();
    });
  }
  if (verdict) {
    verdict.addEventListener("change", function () { state.verdict = verdict.value; draw(); });
  }
  if (reset) {
    reset.addEventListener("click", function () {
      state.layer = "";
      state.verdict = "";
      state.minImportance = low;
      if (layer) { layer.value = ""; }
      if (verdict) { verdict.value = ""; }
      if (importance) { importance.value = String(low); }
      if (importanceValue) { importanceValue.textContent = String(low); }
      draw();
    });
  }
  if (compare) {
    // Toggled at once on the page; the URL follows so that the view can be shared.
    compare.addEventListener("change", function () {
      state.compare = compare.checked;
      var url = new URL(window.location.href);
      if (state.compare) {
        url.searchParams.set("compare", "1");
      } else {
        url.searchParams.delete("compare");
      }
      window.history.replaceState(null, "", url.toString());
      draw();
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll("[data-download]"), function (button) {
    button.addEventListener("click", function () { download(button.getAttribute("data-download")); });
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (button) {
    button.addEventListener("click", function () { preparePrint(); window.print(); });
  });

  draw().then(function () {
    graph.setAttribute("data-ready", "true");
  });
}());
