package io.steadfast.benchmarks;

import static io.steadfast.benchmarks.BenchmarkMain.DEFAULTS;
import static io.steadfast.benchmarks.BenchmarkMain.PEER;
import static io.steadfast.benchmarks.BenchmarkMain.PER_CONNECTION;
import static io.steadfast.benchmarks.BenchmarkMain.POOLED;
import static io.steadfast.benchmarks.BenchmarkMain.RAW;
import static io.steadfast.benchmarks.BenchmarkMain.REST_THREADS;
import static io.steadfast.benchmarks.BenchmarkMain.TUNED;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * Draws the chart with java.awt (headless): REST throughput relative to raw OkHttp per thread count,
 * and SMTP messages per second pooled vs one connection per message.
 */
final class Chart {

  private static final int WIDTH = 1000;
  private static final int HEIGHT = 520;
  private static final Color[] COLORS = {
      new Color(0x9e9e9e), new Color(0x1f77b4), new Color(0x6baed6), new Color(0xd62728)};

  private Chart() {}

  static void write(Results r, BenchmarkMain.Settings settings, Path file) throws IOException {
    BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, WIDTH, HEIGHT);
      g.setColor(Color.BLACK);
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
      g.drawString("Steadfast benchmarks (medians of interleaved rounds, one run)", 20, 28);

      String[] variants = {RAW, TUNED, DEFAULTS, PEER};
      double[][] values = new double[REST_THREADS.length][variants.length];
      for (int t = 0; t < REST_THREADS.length; t++) {
        for (int v = 0; v < variants.length; v++) {
          values[t][v] = Report.ratio(r, variants[v], RAW, REST_THREADS[t], Sample::throughput);
        }
      }
      String[] groups = new String[REST_THREADS.length];
      for (int t = 0; t < REST_THREADS.length; t++) {
        groups[t] = REST_THREADS[t] + (REST_THREADS[t] == 1 ? " thread" : " threads");
      }
      panel(g, 20, 50, 600, 440, "REST throughput relative to raw OkHttp (target ≥ 0.95)", groups, variants,
          values, 0.95, "%.2f×");

      int threads = settings.smtpThreads();
      double[][] smtp = {{r.median(POOLED, threads, Sample::throughput),
          r.median(PER_CONNECTION, threads, Sample::throughput)}};
      panel(g, 650, 50, 330, 440, "SMTP messages/s (" + threads + " threads)", new String[] {"SmtpTransport"},
          new String[] {"pooled", "1 per connection"}, smtp, Double.NaN, "%,.0f");
    } finally {
      g.dispose();
    }
    ImageIO.write(image, "png", file.toFile());
  }

  private static void panel(Graphics2D g, int x, int y, int w, int h, String title, String[] groups,
      String[] series, double[][] values, double targetLine, String label) {
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
    g.setColor(Color.BLACK);
    g.drawString(title, x, y + 14);
    int top = y + 30;
    int bottom = y + h - 70;
    int left = x + 10;
    int right = x + w - 10;
    double max = 0;
    for (double[] row : values) {
      for (double value : row) {
        max = Math.max(max, Double.isNaN(value) ? 0 : value);
      }
    }
    if (!Double.isNaN(targetLine)) {
      max = Math.max(max, targetLine);
    }
    max = max <= 0 ? 1 : max * 1.15;
    g.setColor(Color.GRAY);
    g.drawLine(left, bottom, right, bottom);
    int groupWidth = (right - left) / groups.length;
    int barWidth = Math.max(8, (groupWidth - 30) / series.length);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    for (int gi = 0; gi < groups.length; gi++) {
      int gx = left + gi * groupWidth + 15;
      for (int s = 0; s < series.length; s++) {
        double value = values[gi][s];
        int barHeight = Double.isNaN(value) ? 0 : (int) Math.round((bottom - top) * value / max);
        int bx = gx + s * barWidth;
        g.setColor(COLORS[s % COLORS.length]);
        g.fillRect(bx + 2, bottom - barHeight, barWidth - 4, barHeight);
        g.setColor(Color.BLACK);
        g.drawString(String.format(Locale.ROOT, label, value), bx + 2, bottom - barHeight - 4);
      }
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 12));
      g.drawString(groups[gi], gx, bottom + 16);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    }
    if (!Double.isNaN(targetLine)) {
      int ty = bottom - (int) Math.round((bottom - top) * targetLine / max);
      g.setColor(new Color(0x2ca02c));
      g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {6, 4}, 0));
      g.drawLine(left, ty, right, ty);
      g.setStroke(new BasicStroke());
    }
    int ly = bottom + 34;
    for (int s = 0; s < series.length; s++) {
      int lx = left + (s % 2) * ((right - left) / 2);
      int row = ly + (s / 2) * 16;
      g.setColor(COLORS[s % COLORS.length]);
      g.fillRect(lx, row - 10, 12, 12);
      g.setColor(Color.BLACK);
      g.drawString(series[s], lx + 16, row);
    }
  }
}
