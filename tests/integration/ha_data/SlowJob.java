// A tiny streaming job for test_ha_data.py: an endless sequence, one element every 20 ms,
// checkpointed every 500 ms, into a discarding sink. Compiles against $FLINK_HOME/lib/* of
// Flink 1.20 and 2.x (no SourceFunction, which 2.x removed).
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

public class SlowJob {
  public static void main(String[] args) throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.enableCheckpointing(500);
    env.setParallelism(1);
    env.fromSequence(0, Long.MAX_VALUE)
        .map(new MapFunction<Long, Long>() {
          @Override
          public Long map(Long value) throws Exception {
            Thread.sleep(20);
            return value;
          }
        })
        .sinkTo(new DiscardingSink<>());
    env.execute("flinkha-slow-job");
  }
}
