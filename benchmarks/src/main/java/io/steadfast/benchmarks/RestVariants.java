package io.steadfast.benchmarks;

import com.sparkpost.Client;
import com.sparkpost.model.AddressAttributes;
import com.sparkpost.model.RecipientAttributes;
import com.sparkpost.model.TemplateContentAttributes;
import com.sparkpost.model.TransmissionWithRecipientArray;
import com.sparkpost.model.responses.TransmissionCreateResponse;
import com.sparkpost.resources.ResourceTransmissions;
import com.sparkpost.transport.RestConnection;
import io.steadfast.CircuitBreakerPolicy;
import io.steadfast.EmailClient;
import io.steadfast.Endpoint;
import io.steadfast.Message;
import io.steadfast.RetryPolicy;
import io.steadfast.SendReceipt;
import io.steadfast.SteadfastConfig;
import io.steadfast.http.RestTransport;
import io.steadfast.spi.Transport;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/** The REST clients compared against one stub: raw OkHttp, Steadfast tuned and default, SparkPost's client. */
final class RestVariants {

  static final String API_KEY = "0123456789abcdef0123456789abcdef01234567";
  static final String FROM = "orders@shop.example";
  static final String TO = "alice@example.com";
  static final String SUBJECT = "Your order #1042 has shipped";
  static final String TEXT = "Hello Alice,\n\nyour order #1042 is on its way and should arrive on Thursday.\n\n"
      + "Thank you for shopping with us.";
  static final String HTML = "<p>Hello Alice,</p><p>your order <b>#1042</b> is on its way and should arrive on "
      + "Thursday.</p><p>Thank you for shopping with us.</p>";
  /** Connections (and OkHttp's idle pool) for the tuned and raw variants: one per thread at 16 threads. */
  static final int CONNECTIONS = 16;

  private static final MediaType JSON = MediaType.get("application/json; charset=utf-8");

  private RestVariants() {}

  static Message message() {
    return Message.builder().from(FROM, "Shop").to(TO).subject(SUBJECT).text(TEXT).html(HTML).build();
  }

  /** Steadfast's {@code EmailClient.send} on the REST route only. */
  static Variant steadfast(String name, String baseUrl, boolean tuned) {
    SteadfastConfig.Builder builder = SteadfastConfig.builder()
        .apiKey(API_KEY)
        .endpoint(Endpoint.custom(baseUrl));
    if (tuned) {
      builder.retryPolicy(RetryPolicy.NO_RETRIES)
          .circuitBreakerPolicy(CircuitBreakerPolicy.DISABLED)
          .maxConnections(CONNECTIONS);
    }
    SteadfastConfig base = builder.build();
    // Only the REST route: steadfast-smtp on the class path would otherwise add an SMTP route.
    Transport rest = RestTransport.create(base);
    return emailClient(name, EmailClient.create(base.toBuilder().transports(List.of(rest)).build()), rest);
  }

  /** {@code client.send} of {@link #message()}; closing the variant closes the client and {@code rest}. */
  static Variant emailClient(String name, EmailClient client, Transport rest) {
    Message message = message();
    return new Variant(name, () -> {
      SendReceipt receipt = client.send(message);
      if (receipt.transmissionId().isEmpty()) {
        throw new IllegalStateException("no transmission id");
      }
    }, () -> {
      client.close();
      rest.close();
    });
  }

  /**
   * A raw OkHttp POST of {@code body}, the exact JSON Steadfast sent, with the same headers; the
   * response body is read but not parsed.
   */
  static Variant rawOkHttp(String name, String baseUrl, byte[] body) {
    return rawOkHttp(name, rawClient().build(), baseUrl, body);
  }

  /** The baseline's client settings: a pool of {@link #CONNECTIONS}, no silent retries. */
  static OkHttpClient.Builder rawClient() {
    return new OkHttpClient.Builder()
        .connectionPool(new ConnectionPool(CONNECTIONS, 5, TimeUnit.MINUTES))
        .retryOnConnectionFailure(false);
  }

  /** The baseline's POST over {@code client}, for variants of the baseline with other client settings. */
  static Variant rawOkHttp(String name, OkHttpClient client, String baseUrl, byte[] body) {
    String url = baseUrl + "/api/v1/transmissions";
    RequestBody requestBody = RequestBody.create(body, JSON);
    return new Variant(name, () -> {
      Request request = new Request.Builder()
          .url(url)
          .header("Authorization", API_KEY)
          .header("Accept", "application/json")
          .header("Idempotency-Key", UUID.randomUUID().toString())
          .post(requestBody)
          .build();
      try (Response response = client.newCall(request).execute()) {
        byte[] answer = response.body().bytes();
        if (response.code() != 200 || answer.length == 0) {
          throw new IllegalStateException("HTTP " + response.code());
        }
      }
    }, () -> {
      client.dispatcher().executorService().shutdown();
      client.connectionPool().evictAll();
    });
  }

  /** SparkPost's official client ({@code com.sparkpost:sparkpost-lib}) pointed at the stub. */
  static Variant sparkPostLib(String name, String baseUrl) throws Exception {
    Client client = new Client(API_KEY);
    client.setBaseUrl(baseUrl + "/api/v1");
    RestConnection connection = new RestConnection(client, baseUrl + "/api/v1");
    TransmissionWithRecipientArray transmission = new TransmissionWithRecipientArray();
    RecipientAttributes recipient = new RecipientAttributes();
    recipient.setAddress(new AddressAttributes(TO));
    transmission.setRecipientArray(List.of(recipient));
    TemplateContentAttributes content = new TemplateContentAttributes();
    content.setFrom(new AddressAttributes(FROM, "Shop", null));
    content.setSubject(SUBJECT);
    content.setText(TEXT);
    content.setHtml(HTML);
    transmission.setContentAttributes(content);
    transmission.setMetadata(Map.of("bench", "peer"));
    return new Variant(name, () -> {
      TransmissionCreateResponse response = ResourceTransmissions.create(connection, null, transmission);
      if (response.getResults() == null || response.getResults().getId() == null) {
        throw new IllegalStateException("no transmission id");
      }
    }, () -> { });
  }
}
