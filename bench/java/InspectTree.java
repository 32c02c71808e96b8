// Seeds a Flink 2.x HA namespace of JOBS jobs x CHECKPOINTS checkpoints for bench/inspect,
// independently of flinkha (like tests/integration/ha_data/HaTree.java, which seeds one job):
// ZooKeeper's own Java client with async creates (at most 1000 in flight) and Flink's own
// classes for the pointer bytes (InstantiationUtil.serializeObject of a
// RetrievableStreamStateHandle, exactly what FileSystemStateStorageHelper stores).
//
//   java -cp "$FLINK_HOME/lib/*:zookeeper.jar:." InspectTree CONNECT NS JOBS CHECKPOINTS DIR URI
// creates per job {ns}/execution-plans/JOB(+/locks), {ns}/jobs/JOB/checkpoints/%019d(+/locks)
// for ids 1..CHECKPOINTS and {ns}/jobs/JOB/checkpoint_id_counter, writes every file a pointer
// names (URI/submittedExecutionPlan<12 hex>, URI/completedCheckpoint<12 hex>) into the local
// directory DIR, and prints the number of znodes created.
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.flink.core.fs.Path;
import org.apache.flink.runtime.state.RetrievableStreamStateHandle;
import org.apache.flink.util.InstantiationUtil;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;

public class InspectTree {
  public static void main(String[] a) throws Exception {
    String connect = a[0], ns = a[1];
    int jobs = Integer.parseInt(a[2]), checkpoints = Integer.parseInt(a[3]);
    String dir = a[4], uri = a[5];
    CountDownLatch up = new CountDownLatch(1);
    ZooKeeper zk = new ZooKeeper(connect, 30000, e -> {
      if (e.getState() == Watcher.Event.KeeperState.SyncConnected) up.countDown();
    });
    up.await();
    List<String> paths = new ArrayList<>();
    List<byte[]> datas = new ArrayList<>();
    String cur = "";
    for (String p : ns.substring(1).split("/")) {
      cur += "/" + p;
      paths.add(cur);
      datas.add(new byte[0]);
    }
    paths.add(ns + "/execution-plans");
    datas.add(new byte[0]);
    paths.add(ns + "/jobs");
    datas.add(new byte[0]);
    long seq = 0;
    for (int j = 0; j < jobs; j++) {
      String job = String.format("%032x", 0xbe0c000000L + j);
      String plan = "submittedExecutionPlan" + String.format("%012x", seq++);
      paths.add(ns + "/execution-plans/" + job);
      datas.add(pointer(uri + "/" + plan, 64));
      paths.add(ns + "/execution-plans/" + job + "/locks");
      datas.add(new byte[0]);
      Files.write(Paths.get(dir, plan), new byte[64]);
      paths.add(ns + "/jobs/" + job);
      datas.add(new byte[0]);
      paths.add(ns + "/jobs/" + job + "/checkpoints");
      datas.add(new byte[0]);
      for (int i = 1; i <= checkpoints; i++) {
        String file = "completedCheckpoint" + String.format("%012x", seq++);
        String node = ns + "/jobs/" + job + "/checkpoints/" + String.format("%019d", i);
        paths.add(node);
        datas.add(pointer(uri + "/" + file, 32));
        paths.add(node + "/locks");
        datas.add(new byte[0]);
        Files.write(Paths.get(dir, file), new byte[32]);
      }
      paths.add(ns + "/jobs/" + job + "/checkpoint_id_counter");
      datas.add(new byte[] {0, 0, 0, (byte) (checkpoints + 1)});
    }
    Semaphore window = new Semaphore(1000);
    AtomicReference<String> failure = new AtomicReference<>();
    for (int i = 0; i < paths.size(); i++) {
      window.acquire();
      zk.create(paths.get(i), datas.get(i), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT,
          (rc, p, ctx, name) -> {
            if (rc != 0 && rc != KeeperException.Code.NODEEXISTS.intValue()) {
              failure.compareAndSet(null, p + ": " + KeeperException.Code.get(rc));
            }
            window.release();
          }, null);
    }
    window.acquire(1000);
    zk.close();
    if (failure.get() != null) {
      System.err.println("InspectTree: " + failure.get());
      System.exit(1);
    }
    System.out.println(paths.size());
  }

  static byte[] pointer(String uri, long size) throws Exception {
    return InstantiationUtil.serializeObject(new RetrievableStreamStateHandle<>(new Path(uri), size));
  }
}
