package dev.fastllm.bench.e2e;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/**
 * The report's PNG charts, drawn with XChart: throughput per workload for each variant, client latency percentiles
 * (each variant and straight to the mock), the latency the gateway adds at p99 per workload, and memory per process.
 */
final class Charts {

    private Charts() {
    }

    /** Writes the charts into {@code dir} and returns their file names, in the order the report shows them. */
    static List<String> write(Path dir, Results r) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<String> files = new ArrayList<>();
        if (r.rows.isEmpty()) {
            return files;
        }
        int mainKeys = r.rows.get(0).keys();
        List<Results.Row> main = new ArrayList<>();
        for (Results.Row row : r.rows) {
            if (row.keys() == mainKeys) {
                main.add(row);
            }
        }
        files.add(perWorkload(dir, "e2e-throughput", "Requests per second at saturation", "req/s", main,
                row -> row.saturation().rps()));
        files.add(perWorkload(dir, "e2e-added-p99", "Client p99 minus p99 straight to the mock, at a fixed rate", "ms",
                main, row -> {
                    Results.Rate d = r.direct.get(row.workload());
                    return d == null ? Double.NaN : row.rate().latencyMs()[1] - d.latencyMs()[1];
                }));
        files.add(percentiles(dir, r, main));
        files.add(memory(dir, r));
        return files;
    }

    private static String perWorkload(Path dir, String name, String title, String unit, List<Results.Row> rows,
                                      ToDoubleFunction<Results.Row> value) throws IOException {
        Set<String> workloads = new LinkedHashSet<>();
        Set<String> variants = new LinkedHashSet<>();
        rows.forEach(row -> {
            workloads.add(row.workload());
            variants.add(row.variant());
        });
        CategoryChart chart = chart(title, "workload", unit);
        for (String v : variants) {
            List<Double> ys = new ArrayList<>();
            for (String w : workloads) {
                double y = 0;
                for (Results.Row row : rows) {
                    if (row.variant().equals(v) && row.workload().equals(w)) {
                        y = value.applyAsDouble(row);
                    }
                }
                ys.add(Double.isNaN(y) ? 0 : y);
            }
            chart.addSeries(v, new ArrayList<>(workloads), ys);
        }
        return save(dir, name, chart);
    }

    private static String percentiles(Path dir, Results r, List<Results.Row> main) throws IOException {
        String workload = main.get(0).workload();
        List<String> xs = List.of("p50", "p99", "p99.9");
        CategoryChart chart = chart("Client latency at a fixed rate, " + workload, "percentile", "ms");
        Results.Rate direct = r.direct.get(workload);
        if (direct != null) {
            chart.addSeries("straight to the mock", xs, asList(direct.latencyMs()));
        }
        for (Results.Row row : main) {
            if (row.workload().equals(workload)) {
                chart.addSeries(row.variant(), xs, asList(row.rate().latencyMs()));
            }
        }
        return save(dir, "e2e-latency-" + workload, chart);
    }

    private static String memory(Path dir, Results r) throws IOException {
        List<String> xs = new ArrayList<>();
        List<Double> rss = new ArrayList<>();
        List<Double> heap = new ArrayList<>();
        for (Results.Process p : r.processes) {
            xs.add(p.variant() + ", " + p.keys() + " keys");
            rss.add(p.peakRssMb());
            heap.add(p.heapAtEndMb());
        }
        CategoryChart chart = chart("Memory per gateway process", "variant", "MB");
        chart.getStyler().setXAxisLabelRotation(30);
        chart.addSeries("peak RSS", xs, rss);
        chart.addSeries("heap after GC, end", xs, heap);
        return save(dir, "e2e-memory", chart);
    }

    private static List<Double> asList(double[] values) {
        List<Double> out = new ArrayList<>();
        for (double v : values) {
            out.add(Double.isNaN(v) ? 0 : v);
        }
        return out;
    }

    private static CategoryChart chart(String title, String x, String y) {
        CategoryChart chart = new CategoryChartBuilder().width(1100).height(560).title(title).xAxisTitle(x)
                .yAxisTitle(y).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        chart.getStyler().setOverlapped(false);
        return chart;
    }

    private static String save(Path dir, String name, CategoryChart chart) throws IOException {
        BitmapEncoder.saveBitmap(chart, dir.resolve(name).toString(), BitmapEncoder.BitmapFormat.PNG);
        return name + ".png";
    }
}
