package io.steadfast.examples.springboot;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

/**
 * Keeps the README's Spring Boot section and this application one: its dependency snippet is what this
 * module's pom declares (versions from the BOM, at this checkout's version), its properties are in
 * application.properties, so the application {@link OrderApplicationTest} runs is the one a newcomer
 * copies out of the README.
 */
class ReadmeSpringBootTest {

  /** One dependency: {@code groupId:artifactId}, with its version, type and scope ("" where not given). */
  private record Coordinates(String id, String version, String type, String scope) {}

  private static String readme() throws IOException {
    return Files.readString(Path.of("../README.md"));
  }

  /** Returns the text between the README's {@code <!-- name:begin -->} and {@code <!-- name:end -->}, without fences. */
  private static String block(String name) throws IOException {
    String readme = readme();
    String begin = "<!-- " + name + ":begin -->";
    int start = readme.indexOf(begin);
    int end = readme.indexOf("<!-- " + name + ":end -->");
    assertThat(start).as("the README marks its %s snippet", name).isNotNegative().isLessThan(end);
    return readme.substring(start + begin.length(), end).replaceAll("(?m)^```.*$", "");
  }

  private static Element parse(String xml) throws Exception {
    return DocumentBuilderFactory.newInstance().newDocumentBuilder()
        .parse(new InputSource(new StringReader(xml))).getDocumentElement();
  }

  private static List<Element> children(Element parent, String name) {
    List<Element> found = new ArrayList<>();
    NodeList nodes = parent.getChildNodes();
    for (int i = 0; i < nodes.getLength(); i++) {
      if (nodes.item(i) instanceof Element element && element.getTagName().equals(name)) {
        found.add(element);
      }
    }
    return found;
  }

  private static Element child(Element parent, String name) {
    List<Element> found = children(parent, name);
    assertThat(found).as("<%s> in <%s>", name, parent.getTagName()).hasSize(1);
    return found.get(0);
  }

  private static String text(Element parent, String name) {
    List<Element> found = children(parent, name);
    return found.isEmpty() ? "" : found.get(0).getTextContent().strip();
  }

  /** Returns the {@code <dependency>} elements directly under {@code <dependencies>} in {@code parent}. */
  private static List<Coordinates> dependencies(Element parent) {
    List<Coordinates> found = new ArrayList<>();
    for (Element dependency : children(child(parent, "dependencies"), "dependency")) {
      found.add(new Coordinates(text(dependency, "groupId") + ":" + text(dependency, "artifactId"),
          text(dependency, "version"), text(dependency, "type"), text(dependency, "scope")));
    }
    return found;
  }

  private static String projectVersion(Element pom) {
    Node version = child(child(pom, "parent"), "version");
    return version.getTextContent().strip();
  }

  @Test
  void readmeDependenciesAreThisApplicationsAtThisCheckoutsVersion() throws Exception {
    Element snippet = parse("<project>" + block("spring-boot-dependencies") + "</project>");
    Element pom = parse(Files.readString(Path.of("pom.xml")));
    Element bom = parse(Files.readString(Path.of("../bom/pom.xml")));

    List<Coordinates> imports = dependencies(child(snippet, "dependencyManagement"));
    assertThat(imports).containsExactly(
        new Coordinates("io.steadfast:steadfast-bom", projectVersion(pom), "pom", "import"));
    assertThat(text(bom, "artifactId")).isEqualTo("steadfast-bom");
    List<String> managed = dependencies(child(bom, "dependencyManagement")).stream().map(Coordinates::id).toList();
    List<Coordinates> declared = dependencies(pom);
    List<Coordinates> added = dependencies(snippet);
    assertThat(added).extracting(Coordinates::id).contains("io.steadfast:steadfast-spring-boot-starter");
    for (Coordinates dependency : added) {
      assertThat(dependency).as("%s takes its version from the BOM", dependency.id())
          .isEqualTo(new Coordinates(dependency.id(), "", "", ""));
      assertThat(managed).as("the BOM manages %s", dependency.id()).contains(dependency.id());
      assertThat(declared).as("this application declares %s as the README does", dependency.id())
          .contains(dependency);
    }
  }

  @Test
  void everyBomVersionInTheReadmeIsThisCheckouts() throws Exception {
    Element pom = parse(Files.readString(Path.of("pom.xml")));
    Matcher bomVersion = Pattern.compile("<artifactId>steadfast-bom</artifactId>\\s*<version>([^<]+)</version>")
        .matcher(readme());

    List<String> versions = new ArrayList<>();
    while (bomVersion.find()) {
      versions.add(bomVersion.group(1));
    }

    assertThat(versions).as("the quick start's and the Spring Boot section's BOM").hasSize(2)
        .containsOnly(projectVersion(pom));
  }

  @Test
  void readmePropertiesAreThisApplicationsProperties() throws IOException {
    List<String> properties = Files.readAllLines(Path.of("src/main/resources/application.properties"));
    List<String> snippet = block("spring-boot-properties").lines().map(String::strip)
        .filter(line -> !line.isEmpty() && !line.startsWith("#")).toList();

    assertThat(snippet).contains("steadfast.spool.enabled=true");
    assertThat(properties).containsAll(snippet);
  }

  @Test
  void readmeSaysWhatTheJavaMailSenderDropInNeeds() throws IOException {
    String readme = readme();
    String section = readme.substring(readme.indexOf("\n## Spring Boot\n"), readme.indexOf("\n## The command line\n"));

    assertThat(section).contains("`org.springframework.boot:spring-boot-starter-mail`",
        "`steadfast.java-mail-sender.enabled=true`");
  }
}
