package dev.batchlm.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * The largest heap in use right after any garbage collection since the last {@link #reset}: what a
 * run keeps alive, as opposed to garbage not collected yet. Driver and executors share a local
 * Spark JVM, so it bounds what the driver holds.
 */
final class HeapAfterGc {
  private static final AtomicLong PEAK = new AtomicLong();

  static {
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      ((NotificationEmitter) gc)
          .addNotificationListener(
              (notification, handback) -> {
                if (notification
                    .getType()
                    .equals(GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION)) {
                  var info =
                      GarbageCollectionNotificationInfo.from(
                          (CompositeData) notification.getUserData());
                  long used =
                      info.getGcInfo().getMemoryUsageAfterGc().values().stream()
                          .mapToLong(MemoryUsage::getUsed)
                          .sum();
                  PEAK.accumulateAndGet(used, Math::max);
                }
              },
              null,
              null);
    }
  }

  private HeapAfterGc() {}

  /** Collects, then starts tracking afresh. */
  static void reset() {
    System.gc();
    PEAK.set(0);
  }

  static long peakMib() {
    return PEAK.get() >> 20;
  }
}
