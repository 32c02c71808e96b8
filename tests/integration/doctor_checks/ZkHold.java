// ZooKeeper's own Java client doing what test_doctor_checks.py needs a second session for
// (java single-file source launch on /usr/share/java/zookeeper.jar):
//   hold CONNECT PARENT        locks the newest child of PARENT (a job's checkpoints node) as a
//                              JobManager would: an EPHEMERAL <child>/locks/<uuid> (data
//                              "127.0.0.1", as Flink's lock nodes) in a session of its own — the
//                              newest child again if Flink removed it meanwhile —, prints
//                              "held 0x<session id> <lock path>", and keeps the session open
//                              until its standard input closes;
//   load CONNECT PARENT MILLIS creates PERSISTENT_SEQUENTIAL children of PARENT asynchronously
//                              (at most 500 in flight) for MILLIS ms, prints "created N".
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.zookeeper.*;

public class ZkHold {
  public static void main(String[] a) throws Exception {
    CountDownLatch up = new CountDownLatch(1);
    ZooKeeper zk = new ZooKeeper(a[1], 10000, e -> {
      if (e.getState() == Watcher.Event.KeeperState.SyncConnected) up.countDown();
    });
    up.await();
    if (a[0].equals("hold")) {
      String lock = null;
      for (int attempt = 0; lock == null && attempt < 100; attempt++) {
        List<String> children = zk.getChildren(a[2], false);
        if (children.isEmpty()) {
          Thread.sleep(100);
          continue;
        }
        String path = a[2] + "/" + Collections.max(children) + "/locks/" + UUID.randomUUID();
        try {
          zk.create(path, "127.0.0.1".getBytes(StandardCharsets.UTF_8),
              ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
          lock = path;
        } catch (KeeperException.NoNodeException subsumed) { }
      }
      if (lock == null) throw new IllegalStateException("no checkpoint of " + a[2] + " to lock");
      System.out.println("held 0x" + Long.toHexString(zk.getSessionId()) + " " + lock);
      System.out.flush();
      while (System.in.read() >= 0) { }
    } else if (a[0].equals("load")) {
      try {
        zk.create(a[2], new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
      } catch (KeeperException.NodeExistsException ignored) { }
      Semaphore window = new Semaphore(500);
      AtomicLong created = new AtomicLong();
      long end = System.currentTimeMillis() + Long.parseLong(a[3]);
      byte[] data = new byte[64];
      while (System.currentTimeMillis() < end) {
        window.acquire();
        zk.create(a[2] + "/n-", data, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT_SEQUENTIAL,
            (rc, path, ctx, name) -> { created.incrementAndGet(); window.release(); }, null);
      }
      window.acquire(500);
      System.out.println("created " + created.get());
    }
    zk.close();
  }
}
