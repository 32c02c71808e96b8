/*
 * ConfigDump: load conf dirs with Flink's own GlobalConfiguration and print
 * what Flink made of them, as JSON, for tests/integration/test_config_parity.py.
 *
 *   javac -cp "$FLINK_HOME/lib/*" -d OUT ConfigDump.java
 *   java -cp "OUT:$FLINK_HOME/lib/*" ConfigDump DIR...
 *
 * stdout: one JSON object, keys are the DIR arguments in the given order:
 *   {"DIR": {"entries": {"key": "value", ...},                   (keys sorted)
 *            "derived": {"ha_mode": ..., "namespace": ..., "cluster_storage_dir": ...,
 *                        "job_result_store": ...}}}    (null where Flink throws)
 *   {"DIR": {"error": {"class": "java.lang.X", "message": "...",
 *                      "causes": ["class: message", ...]}}}
 * Exit 0 when the dump was written (even if some DIR failed to load), 2 on usage.
 * Flink's log goes wherever log4j sends it; keep it off stdout (the test passes
 * a log4j2 configuration that writes to stderr).
 */
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.HighAvailabilityOptions;
import org.apache.flink.core.fs.Path;
import org.apache.flink.runtime.highavailability.FileSystemJobResultStore;
import org.apache.flink.runtime.highavailability.HighAvailabilityServicesUtils;
import org.apache.flink.runtime.highavailability.JobResultStoreOptions;
import org.apache.flink.runtime.jobmanager.HighAvailabilityMode;
import org.apache.flink.runtime.util.ZooKeeperUtils;

public final class ConfigDump {
    private ConfigDump() {}

    public static void main(String[] args) {
        if (args.length == 0) {
            System.err.println("usage: ConfigDump CONF_DIR...");
            System.exit(2);
        }
        // UTF-8 regardless of the platform charset, so JSON bytes are stable.
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < args.length; i++) {
            System.err.println("== ConfigDump: " + args[i]);
            if (i > 0) {
                sb.append(",");
            }
            sb.append("\n").append(quote(args[i])).append(": ");
            try {
                Configuration conf = GlobalConfiguration.loadConfiguration(args[i]);
                sb.append("{\"entries\": ");
                appendMap(sb, new TreeMap<>(conf.toMap()));
                sb.append(", \"derived\": ");
                appendMap(sb, derived(conf));
                sb.append("}");
            } catch (Throwable t) {
                appendError(sb, t);
            }
        }
        sb.append("\n}\n");
        out.print(sb);
        out.flush();
    }

    /**
     * The HA locations as Flink itself derives them, through Flink's own functions (the ones
     * HighAvailabilityServicesUtils, ZooKeeperUtils and the JobResultStore factory call).
     */
    private static Map<String, String> derived(Configuration conf) {
        Map<String, String> out = new TreeMap<>();
        out.put("ha_mode", attempt(() -> HighAvailabilityMode.fromConfig(conf).name().toLowerCase()));
        out.put("namespace", attempt(() -> ZooKeeperUtils.generateZookeeperPath(
                conf.get(HighAvailabilityOptions.HA_ZOOKEEPER_ROOT),
                conf.get(HighAvailabilityOptions.HA_CLUSTER_ID))));
        out.put("cluster_storage_dir", attempt(() ->
                HighAvailabilityServicesUtils.getClusterHighAvailableStoragePath(conf).toString()));
        out.put("job_result_store", attempt(() -> {
            // As FileSystemJobResultStore.of(...) picks its base path.
            String path = conf.get(JobResultStoreOptions.STORAGE_PATH);
            if ((path == null || path.trim().isEmpty())
                    && conf.get(HighAvailabilityOptions.HA_STORAGE_PATH) == null) {
                return null; // Flink would build "null/job-result-store/..." and fail later
            }
            if (path == null || path.trim().isEmpty()) {
                path = FileSystemJobResultStore.createDefaultJobResultStorePath(
                        conf.get(HighAvailabilityOptions.HA_STORAGE_PATH),
                        conf.get(HighAvailabilityOptions.HA_CLUSTER_ID));
            }
            return new Path(path).toString();
        }));
        return out;
    }

    private interface Attempt {
        String get() throws Exception;
    }

    private static String attempt(Attempt f) {
        try {
            return f.get();
        } catch (Throwable t) {
            return null;
        }
    }

    private static void appendMap(StringBuilder sb, Map<String, String> map) {
        sb.append("{");
        boolean first = true;
        for (Map.Entry<String, String> e : map.entrySet()) {
            sb.append(first ? "\n    " : ",\n    ");
            first = false;
            sb.append(quote(e.getKey())).append(": ");
            sb.append(e.getValue() == null ? "null" : quote(e.getValue()));
        }
        sb.append(first ? "}" : "\n  }");
    }

    private static void appendError(StringBuilder sb, Throwable t) {
        List<String> causes = new ArrayList<>();
        for (Throwable c = t.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            causes.add(c.getClass().getName() + ": " + c.getMessage());
            if (causes.size() > 8) {
                break;
            }
        }
        sb.append("{\"error\": {\"class\": ").append(quote(t.getClass().getName()));
        sb.append(", \"message\": ").append(t.getMessage() == null ? "null" : quote(t.getMessage()));
        sb.append(", \"causes\": [");
        for (int i = 0; i < causes.size(); i++) {
            sb.append(i > 0 ? ", " : "").append(quote(causes.get(i)));
        }
        sb.append("]}}");
    }

    /** A JSON string literal (RFC 8259): escapes quote, backslash and all controls. */
    static String quote(String s) {
        StringBuilder q = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': q.append("\\\""); break;
                case '\\': q.append("\\\\"); break;
                case '\b': q.append("\\b"); break;
                case '\f': q.append("\\f"); break;
                case '\n': q.append("\\n"); break;
                case '\r': q.append("\\r"); break;
                case '\t': q.append("\\t"); break;
                default:
                    // Controls, plus U+2028/U+2029 and lone surrogates stay readable as \\u.
                    if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029'
                            || (Character.isSurrogate(c) && !isPairedSurrogate(s, i))) {
                        q.append(String.format("\\u%04x", (int) c));
                    } else {
                        q.append(c);
                    }
            }
        }
        return q.append('"').toString();
    }

    private static boolean isPairedSurrogate(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }
}
