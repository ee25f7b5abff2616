package io.steadfast.spring.autoconfigure;

import io.steadfast.internal.console.OperatorConsole;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.core.io.ClassPathResource;
import org.springframework.core.io.Resource;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Serves the dashboard under {@code steadfast.dashboard.path}: the page, its script and style (from
 * core's jar, no network requests), and a JSON API that is the {@code steadfast} actuator
 * endpoint's data ({@link OperatorConsole}), so the page works whether or not the endpoint is exposed.
 *
 * <p>The write calls take JSON bodies, which a browser sends cross-site only after a CORS preflight
 * the application does not answer: another site's page cannot press these buttons for an operator.
 */
@RestController
@RequestMapping("${steadfast.dashboard.path:" + SteadfastDashboardProperties.DEFAULT_PATH + "}")
final class SteadfastDashboardController {

  private final OperatorConsole console;
  private final String lastSegment;

  SteadfastDashboardController(OperatorConsole console, String path) {
    this.console = console;
    this.lastSegment = path.substring(path.lastIndexOf('/') + 1);
  }

  /**
   * Sends {@code /steadfast} to {@code /steadfast/}, so the page's relative links resolve under it. The
   * location is relative, so it holds behind a context path or a proxy's prefix.
   */
  @GetMapping("")
  public ResponseEntity<Void> redirect() {
    return ResponseEntity.status(HttpStatus.FOUND).header("Location", lastSegment + "/").build();
  }

  /** Serves the page. */
  @GetMapping({"/", "/index.html"})
  public ResponseEntity<Resource> page() {
    return asset("index.html", MediaType.TEXT_HTML);
  }

  /** Serves the page's script. */
  @GetMapping("/dashboard.js")
  public ResponseEntity<Resource> script() {
    return asset("dashboard.js", MediaType.valueOf("text/javascript"));
  }

  /** Serves the page's style. */
  @GetMapping("/dashboard.css")
  public ResponseEntity<Resource> style() {
    return asset("dashboard.css", MediaType.valueOf("text/css"));
  }

  /** Returns what the endpoint's {@code GET /actuator/steadfast} returns. */
  @GetMapping("/api/overview")
  public OperatorConsole.Overview overview() {
    return console.overview();
  }

  /** Returns what the endpoint's {@code GET /actuator/steadfast/{state}} returns. */
  @GetMapping("/api/entries/{state}")
  public OperatorConsole.Page entries(@PathVariable String state, @RequestParam(required = false) @Nullable Integer page,
      @RequestParam(required = false) @Nullable Integer size) {
    return console.entries(state, page, size);
  }

  /** Requeues one dead letter ({@code {"id": 42}}) or all of one reason ({@code {"reason": "EXPIRED"}}). */
  @PostMapping(path = "/api/requeue", consumes = MediaType.APPLICATION_JSON_VALUE)
  public OperatorConsole.ActionResult requeue(@RequestBody Map<String, Object> body) {
    return console.requeue(body);
  }

  /** Makes every pending entry due now. */
  @PostMapping(path = "/api/flush", consumes = MediaType.APPLICATION_JSON_VALUE)
  public OperatorConsole.ActionResult flush() {
    return console.flush();
  }

  /** Answers a bad request with 400 and the reason, for the page to show. */
  @ExceptionHandler(IllegalArgumentException.class)
  public ResponseEntity<Map<String, String>> badRequest(IllegalArgumentException e) {
    return ResponseEntity.badRequest().body(Map.of("error", String.valueOf(e.getMessage())));
  }

  /** Answers a request the client cannot serve now (no spool, not running) with 409 and the reason. */
  @ExceptionHandler(IllegalStateException.class)
  public ResponseEntity<Map<String, String>> conflict(IllegalStateException e) {
    return ResponseEntity.status(HttpStatus.CONFLICT).body(Map.of("error", String.valueOf(e.getMessage())));
  }

  private static ResponseEntity<Resource> asset(String name, MediaType type) {
    return ResponseEntity.ok().contentType(type).cacheControl(CacheControl.noCache())
        .body(new ClassPathResource(OperatorConsole.DASHBOARD_ASSETS + name,
            OperatorConsole.class.getClassLoader()));
  }
}
