package io.steadfast.spring.autoconfigure;

import io.steadfast.EmailClient;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.mail.javamail.JavaMailSender;

/**
 * Exposes a {@link JavaMailSender} that sends through the {@link EmailClient} bean, when Spring's mail
 * support and Jakarta Mail are on the classpath and {@code steadfast.java-mail-sender.enabled=true}.
 *
 * <p>Runs before Boot's mail auto-configuration and backs off to a {@code JavaMailSender} the
 * application defines. It also adapts an {@code EmailClient} the application defines itself.
 */
@AutoConfiguration(after = SteadfastAutoConfiguration.class,
    beforeName = "org.springframework.boot.mail.autoconfigure.MailSenderAutoConfiguration")
@ConditionalOnClass(name = {"org.springframework.mail.javamail.JavaMailSender", "jakarta.mail.internet.MimeMessage"})
@ConditionalOnProperty(prefix = "steadfast.java-mail-sender", name = "enabled", havingValue = "true")
@ConditionalOnBean(EmailClient.class)
public final class SteadfastJavaMailSenderAutoConfiguration {

  /** Creates the auto-configuration; Spring calls this. */
  SteadfastJavaMailSenderAutoConfiguration() {}

  @Bean
  @ConditionalOnMissingBean(JavaMailSender.class)
  JavaMailSender steadfastJavaMailSender(EmailClient client) {
    return new SteadfastJavaMailSender(client);
  }
}
