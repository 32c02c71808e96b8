// Seeds a large Flink 1.15+/2.x HA tree in ZooKeeper for test_ha_data.py and bench/cleanup,
// independently of flinkha: ZooKeeper's own Java client (async creates, 1000 in flight) and
// Flink's own classes for the pointer bytes (InstantiationUtil.serializeObject of a
// RetrievableStreamStateHandle, exactly what FileSystemStateStorageHelper stores).
//
//   java -cp "$FLINK_HOME/lib/*:zookeeper.jar:." HaTree CONNECT NS JOBID CHECKPOINTS PLAN_DIR \
//        STORAGE_URI [files|nofiles] [FIRST]
// creates {ns}/execution-plans/JOBID(+/locks), {ns}/jobs/JOBID/checkpoints/%019d(+/locks) for
// ids 1..CHECKPOINTS, {ns}/jobs/JOBID/checkpoint_id_counter; pointers name
// STORAGE_URI/completedCheckpoint<12 hex> and STORAGE_URI/submittedExecutionPlan<12 hex>; with
// "files" those files are written into the local directory PLAN_DIR. The <12 hex> run from FIRST
// (default 0), so that several jobs seeded into one storage dir name different files. Prints the
// znode count.
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

public class HaTree {
  static String[] names = new String[0];

  public static void main(String[] a) throws Exception {
    String connect = a[0], ns = a[1], job = a[2];
    int checkpoints = Integer.parseInt(a[3]);
    String dir = a[4], uri = a[5];
    boolean files = a.length > 6 && a[6].equals("files");
    CountDownLatch up = new CountDownLatch(1);
    ZooKeeper zk = new ZooKeeper(connect, 30000, e -> {
      if (e.getState() == Watcher.Event.KeeperState.SyncConnected) up.countDown();
    });
    up.await();
    List<String> paths = new ArrayList<>();
    List<byte[]> datas = new ArrayList<>();
    String[] parts = ns.substring(1).split("/");
    String cur = "";
    for (String p : parts) {
      cur += "/" + p;
      paths.add(cur);
      datas.add(new byte[0]);
    }
    long seq = a.length > 7 ? Long.parseLong(a[7]) : 0;
    paths.add(ns + "/execution-plans");
    datas.add(new byte[0]);
    String plan = "submittedExecutionPlan" + String.format("%012x", seq++);
    paths.add(ns + "/execution-plans/" + job);
    datas.add(pointer(uri + "/" + plan, 64));
    paths.add(ns + "/execution-plans/" + job + "/locks");
    datas.add(new byte[0]);
    if (files) Files.write(Paths.get(dir, plan), new byte[64]);
    paths.add(ns + "/jobs");
    datas.add(new byte[0]);
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
      if (files) Files.write(Paths.get(dir, file), new byte[32]);
    }
    paths.add(ns + "/jobs/" + job + "/checkpoint_id_counter");
    datas.add(new byte[] {0, 0, 0, (byte) (checkpoints + 1)});
    Semaphore window = new Semaphore(1000);
    AtomicReference<String> failure = new AtomicReference<>();
    for (int i = 0; i < paths.size(); i++) {
      window.acquire();
      final String path = paths.get(i);
      zk.create(path, datas.get(i), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT,
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
      System.err.println("HaTree: " + failure.get());
      System.exit(1);
    }
    System.out.println(paths.size());
  }

  static byte[] pointer(String uri, long size) throws Exception {
    return InstantiationUtil.serializeObject(new RetrievableStreamStateHandle<>(new Path(uri), size));
  }
}
