// Dashboard charts: data comes in <script type="application/json"> blocks (allowed by the CSP).
(function () {
  "use strict";
  function draw() {
    if (typeof Chart === "undefined") return;
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var src = document.getElementById(canvas.getAttribute("data-chart"));
      if (!src) return;
      var spec = JSON.parse(src.textContent);
      new Chart(canvas, {
        type: spec.type,
        data: { labels: spec.labels, datasets: [{ label: spec.label, data: spec.values, backgroundColor: spec.colors || "#43a047", borderColor: "#1b5e20" }] },
        options: { responsive: true, maintainAspectRatio: false, animation: false, plugins: { legend: { display: spec.type === "doughnut" } } }
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw); else draw();
})();
