// Flink's own configuration reader for bench/config-size: GlobalConfiguration.loadConfiguration
// of one conf dir, exactly what every Flink process does at start (flink-conf.yaml with the
// legacy line reader in 1.x, config.yaml with snakeyaml-engine in 2.x), and prints the number of
// keys read, so the bench can check that Flink and flinkha read the same file.
//
//   java -cp "$FLINK_HOME/lib/*:." LoadConfig CONF_DIR
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;

public class LoadConfig {
  public static void main(String[] a) {
    Configuration conf = GlobalConfiguration.loadConfiguration(a[0]);
    System.out.println("keys " + conf.keySet().size());
  }
}
