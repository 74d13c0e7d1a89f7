// The public operational statistics chart (/insight/stats/): cases received per month, stacked by
// channel, and the on-time rate on a second axis. The figures come from the page's JSON
// (json_script "stats-data"); the tables below the chart carry the same numbers.
(function () {
  "use strict";
  function draw() {
    var holder = document.getElementById("stats-chart");
    var source = document.getElementById("stats-data");
    if (!holder || !source || !window.echarts) return;
    var data = JSON.parse(source.textContent);
    var series = data.channels.map(function (c) {
      return { name: c.name, type: "bar", stack: "received", data: c.data };
    });
    if (data.on_time.name) {
      series.push({ name: data.on_time.name, type: "line", yAxisIndex: 1, data: data.on_time.data, connectNulls: false });
    }
    var chart = window.echarts.init(holder, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { type: "scroll", top: 0 },
      grid: { left: 48, right: 48, top: 40, bottom: 32 },
      xAxis: { type: "category", data: data.months },
      yAxis: [{ type: "value", minInterval: 1 }, { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } }],
      series: series,
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
