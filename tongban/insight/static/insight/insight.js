/* tongban insight dashboards: draws each figure's chart from the table the server rendered.
 *
 * Progressive enhancement: without this file (or without ECharts) every figure is its table,
 * and every region name in the ranking is a link for the drill-down. With it:
 *   figure[data-chart]          the figure; its table is inside or named by data-table="<id>"
 *     .chart[data-chart-kind]   a chart drawn from that table: line | bar | pie | map
 *                               (a bar chart with data-orient="horizontal" lists regions)
 *     details[data-table-view]  the table view, collapsed once the chart is drawn
 * A table names its label column and value column (data-label-col, data-value-col); the value
 * cells carry the raw number in data-value; each row's key (a region code) is tr[data-key].
 * The map reads its outlines from figure[data-geo] (GeoJSON, see mapdata.py) and a click on a
 * region goes to figure[data-drill] with "__region__" replaced by the region's code.
 * htmx swaps in fresh figures (live updates): charts in the old content are disposed and the
 * new content is drawn; a table view the person opened stays open.
 */
(function () {
  "use strict";

  var PLACEHOLDER = "__region__";
  var geoCache = {};
  var openedTables = {};

  function theme() { return document.body.classList.contains("screen") ? "dark" : null; }

  function readTable(table) {
    var labelCol = parseInt(table.getAttribute("data-label-col") || "0", 10);
    var valueCol = parseInt(table.getAttribute("data-value-col") || "1", 10);
    var rows = [];
    Array.prototype.forEach.call(table.tBodies[0] ? table.tBodies[0].rows : [], function (tr) {
      var cells = tr.cells;
      if (cells.length <= Math.max(labelCol, valueCol)) { return; }
      var raw = cells[valueCol].getAttribute("data-value");
      rows.push({
        key: tr.getAttribute("data-key") || "",
        label: cells[labelCol].textContent.trim(),
        value: raw === null || raw === "" ? null : Number(raw)
      });
    });
    return rows;
  }

  function base() {
    return {
      backgroundColor: "transparent",
      animation: false,
      textStyle: { fontFamily: "inherit" },
      tooltip: { renderMode: "richText", confine: true }
    };
  }

  function lineOption(rows, unit) {
    var o = base();
    o.tooltip.trigger = "axis";
    o.grid = { left: 48, right: 16, top: 24, bottom: 32, containLabel: true };
    o.xAxis = { type: "category", data: rows.map(function (r) { return r.label; }) };
    o.yAxis = { type: "value", name: unit || "" };
    o.series = [{ type: "line", data: rows.map(function (r) { return r.value; }), connectNulls: false, symbolSize: 6 }];
    return o;
  }

  function barOption(rows, unit, horizontal) {
    var o = base();
    o.tooltip.trigger = "axis";
    o.grid = { left: 8, right: 24, top: 24, bottom: 8, containLabel: true };
    var labels = rows.map(function (r) { return r.label; });
    var values = rows.map(function (r) { return r.value; });
    if (horizontal) {
      o.yAxis = { type: "category", data: labels, inverse: true };
      o.xAxis = { type: "value", name: unit || "" };
    } else {
      o.xAxis = { type: "category", data: labels, axisLabel: { interval: 0, rotate: labels.length > 6 ? 30 : 0 } };
      o.yAxis = { type: "value", name: unit || "" };
    }
    o.series = [{ type: "bar", data: values, label: { show: rows.length <= 20, position: horizontal ? "right" : "top" } }];
    return o;
  }

  function pieOption(rows) {
    var o = base();
    o.tooltip.trigger = "item";
    o.series = [{
      type: "pie", radius: ["35%", "68%"],
      data: rows.filter(function (r) { return r.value; }).map(function (r) { return { name: r.label, value: r.value }; }),
      label: { formatter: "{b}\n{d}%" }
    }];
    return o;
  }

  function mapOption(figure, rows, geo, unit) {
    var names = {};
    geo.features.forEach(function (f) { names[f.properties.code] = f.properties.name; });
    var values = rows.filter(function (r) { return r.value !== null; }).map(function (r) { return r.value; });
    var low = values.length ? Math.min.apply(null, values) : 0;
    var high = values.length ? Math.max.apply(null, values) : 1;
    if (low === high) { low = Math.min(0, low); high = high || 1; }
    var dark = theme() === "dark";
    var o = base();
    o.tooltip.trigger = "item";
    o.tooltip.formatter = function (p) {
      var v = p.value === undefined || isNaN(p.value) ? "—" : p.value + (unit === "%" ? "%" : " " + (unit || ""));
      return (names[p.name] || p.name) + "：" + v;
    };
    o.visualMap = {
      type: "continuous", min: low, max: high, calculable: false, orient: "horizontal",
      left: "center", bottom: 0, itemWidth: 12, itemHeight: 120, text: ["", ""],
      inRange: { color: dark ? ["#1f4f86", "#7fd3ff"] : ["#cfe0f5", "#0a4fa0"] },
      textStyle: { color: dark ? "#e6edf5" : "#1f2933" }
    };
    o.series = [{
      type: "map", map: figure.getAttribute("data-geo"), nameProperty: "code", roam: false,
      selectedMode: false, top: 8, bottom: 36, left: 4, right: 4,
      itemStyle: { areaColor: dark ? "#2a3b52" : "#e4e9f0", borderColor: dark ? "#8da2bb" : "#ffffff" },
      label: {
        show: true, fontSize: 11, color: dark ? "#e6edf5" : "#1f2933",
        textBorderColor: dark ? "#0b1a2e" : "#ffffff", textBorderWidth: 2,
        formatter: function (p) { return names[p.name] || ""; }
      },
      emphasis: { label: { show: true } },
      data: rows.map(function (r) { return { name: r.key, value: r.value === null ? NaN : r.value }; })
    }];
    if (geo.features.length === 1) {  // a county alone: highlight it
      o.series[0].data = [{ name: geo.features[0].properties.code, value: NaN }];
      o.visualMap.show = false;
    }
    return o;
  }

  function loadGeo(url) {
    if (!geoCache[url]) {
      geoCache[url] = fetch(url, { credentials: "same-origin" }).then(function (r) {
        if (!r.ok) { throw new Error("map outlines: HTTP " + r.status); }
        return r.json();
      }).then(function (geo) {
        window.echarts.registerMap(url, geo);
        return geo;
      });
    }
    return geoCache[url];
  }

  function tableOf(figure) {
    var id = figure.getAttribute("data-table");
    return id ? document.getElementById(id) : figure.querySelector("table");
  }

  function draw(figure) {
    if (figure.getAttribute("data-drawn") === "1") { return; }
    var table = tableOf(figure);
    if (!table) { return; }
    figure.setAttribute("data-drawn", "1");
    var rows = readTable(table);
    var unit = figure.getAttribute("data-unit") || "";
    var pending = [];
    figure.querySelectorAll(".chart[data-chart-kind]").forEach(function (el) {
      var kind = el.getAttribute("data-chart-kind");
      if (kind === "map") {
        var url = figure.getAttribute("data-geo");
        if (!url) { el.hidden = true; return; }
        pending.push(loadGeo(url).then(function (geo) {
          var chart = window.echarts.init(el, theme());
          chart.setOption(mapOption(figure, rows, geo, unit));
          chart.on("click", function (p) {
            var drill = figure.getAttribute("data-drill");
            if (drill && p.name && p.name !== figure.getAttribute("data-current")) {
              window.location.href = drill.replace(PLACEHOLDER, encodeURIComponent(p.name));
            }
          });
          el.setAttribute("data-ready", "1");
        }).catch(function () { el.hidden = true; }));
        return;
      }
      var chart = window.echarts.init(el, theme());
      if (kind === "line") { chart.setOption(lineOption(rows, unit)); }
      else if (kind === "pie") { chart.setOption(pieOption(rows)); }
      else { chart.setOption(barOption(rows, unit, el.getAttribute("data-orient") === "horizontal")); }
      el.setAttribute("data-ready", "1");
    });
    var details = figure.querySelector("details[data-table-view]");
    if (details && !openedTables[figure.id]) { details.open = false; }
    if (details) {
      details.querySelector("summary").addEventListener("click", function () {
        openedTables[figure.id] = !details.open;
      });
    }
    return Promise.all(pending);
  }

  function drawAll(root) {
    if (!window.echarts || !root || !root.querySelectorAll) { return; }
    var figures = root.matches && root.matches("figure[data-chart]") ? [root] : root.querySelectorAll("figure[data-chart]");
    figures.forEach(function (figure) { draw(figure); });
  }

  function disposeIn(root) {
    if (!window.echarts || !root || !root.querySelectorAll) { return; }
    root.querySelectorAll(".chart").forEach(function (el) {
      var chart = window.echarts.getInstanceByDom(el);
      if (chart) { chart.dispose(); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  document.addEventListener("htmx:beforeSwap", function (e) { disposeIn(e.detail && e.detail.target); });
  document.addEventListener("htmx:load", function (e) { drawAll(e.detail && e.detail.elt); });
  window.addEventListener("resize", function () {
    if (!window.echarts) { return; }
    document.querySelectorAll(".chart").forEach(function (el) {
      var chart = window.echarts.getInstanceByDom(el);
      if (chart) { chart.resize(); }
    });
  });
})();
