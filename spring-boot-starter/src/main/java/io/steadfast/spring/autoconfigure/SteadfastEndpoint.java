package io.steadfast.spring.autoconfigure;

import io.steadfast.internal.console.OperatorConsole;
import java.util.Map;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;

/**
 * The {@code steadfast} actuator endpoint: the spool, the circuits, the reconciliation backlog and the
 * dead letters, and the actions an operator takes during an outage.
 *
 * <ul>
 *   <li>{@code GET /actuator/steadfast}: the spool summary (counts by state, bytes, oldest pending
 *       age), each route's circuit and when it last changed, and the oldest reconciling, dead and
 *       pending entries;
 *   <li>{@code GET /actuator/steadfast/{state}?page=0&size=50}: one page of the entries in
 *       {@code pending}, {@code in_flight}, {@code reconciling}, {@code delivered} or {@code dead},
 *       oldest first: key, age, attempts, last error, next attempt; never content or secrets;
 *   <li>{@code POST /actuator/steadfast/requeue} with {@code {"id": 42}} (one dead letter) or
 *       {@code {"reason": "EXPIRED"}} (all dead letters of that reason);
 *   <li>{@code POST /actuator/steadfast/flush}: every pending entry due now.
 * </ul>
 *
 * <p>Like every actuator endpoint it is off the web until exposed
 * ({@code management.endpoints.web.exposure.include=steadfast}), and its write operations are
 * protected by whatever secures the application's actuator endpoints. A bad request is answered with
 * 400 and {@code {"error": "..."}} saying what to send instead.
 */
@Endpoint(id = "steadfast")
final class SteadfastEndpoint {

  private final OperatorConsole console;

  SteadfastEndpoint(OperatorConsole console) {
    this.console = console;
  }

  /** Returns the spool summary, the circuits and the oldest entries of the lists operators act on. */
  @ReadOperation
  public OperatorConsole.Overview overview() {
    return console.overview();
  }

  /** Returns one page of the entries in {@code state}, oldest first. */
  @ReadOperation
  public WebEndpointResponse<Object> entries(@Selector String state, @Nullable Integer page, @Nullable Integer size) {
    return answer(() -> console.entries(state, page, size));
  }

  /**
   * Runs {@code action}: {@code requeue} (with {@code id}, one dead letter, or {@code reason}, all dead
   * letters of that reason) or {@code flush}.
   */
  @WriteOperation
  public WebEndpointResponse<Object> act(@Selector String action, @Nullable Long id, @Nullable String reason) {
    return answer(() -> switch (action) {
      case "requeue" -> {
        if ((id == null) == (reason == null)) {
          throw new IllegalArgumentException("requeue takes either \"id\" (one dead letter's spool id) or \"reason\" "
              + "(REJECTED, EXPIRED, UNREADABLE or OUTCOME_UNKNOWN: all dead letters of that reason)");
        }
        yield id != null ? console.requeue(id) : console.requeueAll(reason);
      }
      case "flush" -> console.flush();
      default -> throw new IllegalArgumentException("Unknown action '" + action + "'; use requeue or flush");
    });
  }

  /**
   * Answers a bad request with 400, and one the client cannot serve now (no spool, not running) with
   * 409, each with {@code {"error": "..."}} saying what to do: Boot's error page leaves a thrown
   * exception's message out by default.
   */
  private static WebEndpointResponse<Object> answer(Supplier<Object> operation) {
    try {
      return new WebEndpointResponse<>(operation.get());
    } catch (IllegalArgumentException e) {
      return new WebEndpointResponse<>(Map.of("error", String.valueOf(e.getMessage())), WebEndpointResponse.STATUS_BAD_REQUEST);
    } catch (IllegalStateException e) {
      return new WebEndpointResponse<>(Map.of("error", String.valueOf(e.getMessage())), 409);
    }
  }
}
