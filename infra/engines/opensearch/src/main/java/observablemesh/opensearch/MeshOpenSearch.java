package observablemesh.opensearch;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.config.builder.api.ConfigurationBuilder;
import org.apache.logging.log4j.core.config.builder.api.ConfigurationBuilderFactory;
import org.apache.logging.log4j.core.config.builder.impl.BuiltConfiguration;
import org.opensearch.Version;
import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.common.logging.LogConfigurator;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.transport.Netty4Plugin;

/**
 * A single OpenSearch node on loopback, standing in for Elasticsearch in the native runs of
 * observable-mesh (no Docker on these machines). OpenSearch is not Elasticsearch: it serves the same
 * REST API the stack relies on (_bulk, composable index templates, data streams, query_string), which
 * is what the tests use. The node embeds the Maven Central artifacts with the two modules a
 * distribution bundles that the stack needs (netty4 transport/HTTP, analysis-common) as classpath
 * plugins; no security plugin is present, so security is off (a local demo).
 *
 * <p>Settings come from environment variables, then {@code -Ekey=value} arguments (as the real
 * launcher takes them), which win:
 *
 * <ul>
 *   <li>OPENSEARCH_HOST (127.0.0.1), OPENSEARCH_HTTP_PORT (9200), OPENSEARCH_TRANSPORT_PORT (9300)
 *   <li>OPENSEARCH_HOME (required: a writable directory), OPENSEARCH_DATA_DIR (home/data),
 *       OPENSEARCH_LOGS_DIR (home/logs)
 * </ul>
 *
 * <p>See docs/native-backends.md.
 */
public final class MeshOpenSearch {
  private MeshOpenSearch() {}

  /** A Node with the bundled modules the stack needs loaded from the classpath. */
  static final class ClasspathNode extends Node {
    ClasspathNode(Environment environment) {
      super(environment, List.of(Netty4Plugin.class, CommonAnalysisPlugin.class), true);
    }
  }

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }

  static Settings settings(String[] args) {
    String home = env("OPENSEARCH_HOME", null);
    if (home == null) {
      throw new IllegalArgumentException("OPENSEARCH_HOME must name a writable directory");
    }
    Settings.Builder builder =
        Settings.builder()
            .put("cluster.name", "observable-mesh")
            .put("node.name", "mesh-opensearch")
            .put("path.home", home)
            .put("path.data", env("OPENSEARCH_DATA_DIR", Path.of(home, "data").toString()))
            .put("path.logs", env("OPENSEARCH_LOGS_DIR", Path.of(home, "logs").toString()))
            .put("network.host", env("OPENSEARCH_HOST", "127.0.0.1"))
            .put("http.port", env("OPENSEARCH_HTTP_PORT", "9200"))
            .put("transport.port", env("OPENSEARCH_TRANSPORT_PORT", "9300"))
            .put("discovery.type", "single-node")
            // A laptop disk that is 90 % full must not turn the demo's indices read-only.
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            // One node: replicas could never be assigned, so health stays green.
            .put("cluster.default_number_of_replicas", 0);
    for (String arg : args) {
      if (!arg.startsWith("-E") || !arg.contains("=")) {
        throw new IllegalArgumentException("unknown argument " + arg + " (only -Ekey=value)");
      }
      String pair = arg.substring(2);
      int eq = pair.indexOf('=');
      builder.put(pair.substring(0, eq), pair.substring(eq + 1));
    }
    return builder.build();
  }

  /** INFO and above to the console and to path.logs/mesh-opensearch.log. */
  private static void configureLogging(Path logFile) {
    ConfigurationBuilder<BuiltConfiguration> config =
        ConfigurationBuilderFactory.newConfigurationBuilder();
    String pattern = "[%d{ISO8601}][%-5p][%-25c{1.}] %m%n";
    config.add(
        config
            .newAppender("console", "Console")
            .add(config.newLayout("PatternLayout").addAttribute("pattern", pattern)));
    config.add(
        config
            .newAppender("file", "File")
            .addAttribute("fileName", logFile.toString())
            .add(config.newLayout("PatternLayout").addAttribute("pattern", pattern)));
    config.add(
        config
            .newRootLogger(Level.INFO)
            .add(config.newAppenderRef("console"))
            .add(config.newAppenderRef("file")));
    Configurator.initialize(config.build());
  }

  public static void main(String[] args) throws Exception {
    Settings settings;
    try {
      settings = settings(args);
    } catch (IllegalArgumentException e) {
      System.err.println("mesh-opensearch: " + e.getMessage());
      System.exit(64);
      return;
    }
    for (String key : List.of("path.home", "path.data", "path.logs")) {
      Files.createDirectories(Path.of(settings.get(key)));
    }
    configureLogging(Path.of(settings.get("path.logs"), "mesh-opensearch.log"));
    LogConfigurator.registerErrorListener();
    LogConfigurator.setNodeName(settings.get("node.name"));
    LogConfigurator.configureWithoutConfig(settings);

    Environment environment =
        InternalSettingsPreparer.prepareEnvironment(
            settings, Map.of(), null, () -> settings.get("node.name"));
    long started = System.nanoTime();
    Node node = new ClasspathNode(environment);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    node.close();
                    node.awaitClose(10, TimeUnit.SECONDS);
                  } catch (Exception e) {
                    System.err.println("mesh-opensearch: error while stopping: " + e);
                  } finally {
                    stopped.countDown();
                  }
                },
                "mesh-opensearch-shutdown"));
    node.start();
    // As a node setting this is not applied to new indices; as a persistent cluster setting it is.
    // One node can never hold a replica, so without it every new index leaves the cluster yellow.
    node.client()
        .admin()
        .cluster()
        .prepareUpdateSettings()
        .setPersistentSettings(Settings.builder().put("cluster.default_number_of_replicas", 0))
        .get();
    System.out.printf(
        "mesh-opensearch: OpenSearch %s (standing in for Elasticsearch) listening on http://%s:%s"
            + " after %d ms%n",
        Version.CURRENT,
        settings.get("network.host"),
        settings.get("http.port"),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    stopped.await();
  }
}
