package io.steadfast.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.steadfast.AuthenticationFailedException;
import io.steadfast.ProviderUnavailableException;
import io.steadfast.testing.FakeResponse;
import io.steadfast.testing.FakeSparkPost;
import io.steadfast.testing.RecordedTransmission;
import jakarta.mail.Message.RecipientType;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.mail.MailAuthenticationException;
import org.springframework.mail.MailSendException;
import org.springframework.mail.SimpleMailMessage;
import org.springframework.mail.javamail.JavaMailSender;

class SteadfastJavaMailSenderTest {

  private static final String KEY = "sk-test-mail-sender";

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(SteadfastAutoConfiguration.class,
          SteadfastJavaMailSenderAutoConfiguration.class));

  private FakeSparkPost sparkPost;

  @BeforeEach
  void startFake() {
    sparkPost = FakeSparkPost.start(KEY);
  }

  @AfterEach
  void stopFake() {
    sparkPost.close();
  }

  private ApplicationContextRunner configured(String apiKey, String... more) {
    return runner.withPropertyValues("steadfast.api-key=" + apiKey, "steadfast.base-url=" + sparkPost.baseUrl(),
        "steadfast.retry.max-attempts=1", "steadfast.routes.smtp.enabled=false").withPropertyValues(more);
  }

  @SuppressWarnings("unchecked")
  private static List<String> recipientEmails(RecordedTransmission transmission) {
    List<Map<String, Object>> recipients = (List<Map<String, Object>>) transmission.at("/recipients");
    return recipients.stream().map(r -> (String) ((Map<String, Object>) r.get("address")).get("email")).toList();
  }

  @Test
  void createsNoJavaMailSenderUnlessEnabled() {
    configured(KEY).run(context -> assertThat(context).doesNotHaveBean(JavaMailSender.class));
  }

  @Test
  void backsOffToApplicationJavaMailSender() {
    JavaMailSender mine = new SteadfastJavaMailSender(io.steadfast.EmailClient.create(
        io.steadfast.SteadfastConfig.builder().apiKey("other").build()));
    configured(KEY, "steadfast.java-mail-sender.enabled=true").withBean("mine", JavaMailSender.class, () -> mine)
        .run(context -> assertThat(context).getBean(JavaMailSender.class).isSameAs(mine));
  }

  @Test
  void sendsMimeMessageAsRfc822ToEveryRecipient() {
    configured(KEY, "steadfast.java-mail-sender.enabled=true").run(context -> {
      JavaMailSender sender = context.getBean(JavaMailSender.class);
      MimeMessage mime = sender.createMimeMessage();
      mime.setFrom(new InternetAddress("shop@example.com"));
      mime.setRecipient(RecipientType.TO, new InternetAddress("buyer@example.com", "Buyer"));
      mime.setRecipient(RecipientType.CC, new InternetAddress("partner@example.com"));
      mime.setRecipient(RecipientType.BCC, new InternetAddress("audit@example.com"));
      mime.setSubject("Order 42 confirmed");
      mime.setText("Thanks for your order.");

      sender.send(mime);

      RecordedTransmission transmission = sparkPost.transmissions().get(0);
      assertThat(transmission.at("/content/email_rfc822")).asString()
          .contains("Subject: Order 42 confirmed", "From: shop@example.com", "Cc: partner@example.com",
              "Thanks for your order.")
          .doesNotContain("audit@example.com");
      assertThat(recipientEmails(transmission))
          .containsExactlyInAnyOrder("buyer@example.com", "partner@example.com", "audit@example.com");
    });
  }

  @Test
  void mapsSimpleMailMessageFields() {
    configured(KEY, "steadfast.java-mail-sender.enabled=true").run(context -> {
      SimpleMailMessage simple = new SimpleMailMessage();
      simple.setFrom("shop@example.com");
      simple.setTo("buyer@example.com");
      simple.setCc("partner@example.com");
      simple.setSubject("Order 42");
      simple.setText("Thanks.");

      context.getBean(JavaMailSender.class).send(simple);

      RecordedTransmission transmission = sparkPost.transmissions().get(0);
      assertThat(transmission.at("/content/subject")).isEqualTo("Order 42");
      assertThat(transmission.at("/content/text")).isEqualTo("Thanks.");
      assertThat(recipientEmails(transmission)).containsExactlyInAnyOrder("buyer@example.com", "partner@example.com");
    });
  }

  @Test
  void mapsInvalidMessageToMailPreparationExceptionWithoutSending() {
    configured(KEY, "steadfast.java-mail-sender.enabled=true").run(context -> {
      SimpleMailMessage simple = new SimpleMailMessage();
      simple.setFrom("shop@example.com");
      simple.setTo("buyer@example.com");

      assertThatThrownBy(() -> context.getBean(JavaMailSender.class).send(simple))
          .isInstanceOf(org.springframework.mail.MailPreparationException.class)
          .hasMessageContaining("subject is missing");
      assertThat(sparkPost.requests()).isEmpty();
    });
  }

  @Test
  void mapsRejectedApiKeyToMailAuthenticationException() {
    configured("sk-wrong-key", "steadfast.java-mail-sender.enabled=true").run(context -> {
      SimpleMailMessage simple = new SimpleMailMessage();
      simple.setFrom("shop@example.com");
      simple.setTo("buyer@example.com");
      simple.setSubject("Order 42");
      simple.setText("Thanks.");

      assertThatThrownBy(() -> context.getBean(JavaMailSender.class).send(simple))
          .isInstanceOf(MailAuthenticationException.class)
          .hasCauseInstanceOf(AuthenticationFailedException.class);
    });
  }

  @Test
  void mapsProviderOutageToMailSendExceptionListingFailedMessages() {
    sparkPost.alwaysRespond(FakeResponse.serverError(503));
    configured(KEY, "steadfast.java-mail-sender.enabled=true").run(context -> {
      SimpleMailMessage simple = new SimpleMailMessage();
      simple.setFrom("shop@example.com");
      simple.setTo("buyer@example.com");
      simple.setSubject("Order 42");
      simple.setText("Thanks.");

      assertThatThrownBy(() -> context.getBean(JavaMailSender.class).send(simple))
          .isInstanceOfSatisfying(MailSendException.class,
              e -> assertThat(e.getFailedMessages()).containsOnlyKeys(simple))
          .hasCauseInstanceOf(ProviderUnavailableException.class);
    });
  }
}
