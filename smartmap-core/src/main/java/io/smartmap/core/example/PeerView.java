package io.smartmap.core.example;

import io.smartmap.core.Address;
import io.smartmap.core.RegionBuffer;
import io.smartmap.core.SmartMap;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;

/**
 * The SMARTMAP idea in a few lines: every rank writes a greeting into a buffer of its own region,
 * then reads every peer's buffer in place, found by replacing the rank bits of its own buffer's
 * address. Run with {@code bin/smartmap-run -n 4 java -cp smartmap-core/target/smartmap-core-all.jar
 * io.smartmap.core.example.PeerView}.
 */
public final class PeerView
{
    private static final int MESSAGE_BYTES = 64;

    private PeerView()
    {
    }

    public static void main(final String[] args)
    {
        try (SmartMap smartMap = SmartMap.join())
        {
            final int rank = smartMap.rank();
            final RegionBuffer mine = smartMap.allocate(MESSAGE_BYTES);
            final byte[] text = ("hello from rank " + rank + " (pid " + ProcessHandle.current().pid() + ")")
                .getBytes(StandardCharsets.UTF_8);
            mine.buffer().putInt(0, text.length);
            mine.buffer().putBytes(Integer.BYTES, text);
            smartMap.barrier(); // every rank has written its greeting

            final StringBuilder view = new StringBuilder("rank " + rank + " of " + smartMap.size() + " sees:");
            for (int peer = 0; peer < smartMap.size(); peer++)
            {
                // same allocation order on every rank, so the peer's buffer is at the same offset of its region
                final long peerAddress = Address.toRank(mine.address(), peer, smartMap.segment().strideShift());
                final UnsafeBuffer theirs = smartMap.view(peerAddress, MESSAGE_BYTES);
                final byte[] bytes = new byte[theirs.getInt(0)];
                theirs.getBytes(Integer.BYTES, bytes);
                view.append(System.lineSeparator()).append("  rank ").append(peer).append(" @0x")
                    .append(Long.toHexString(peerAddress)).append(": ").append(new String(bytes, StandardCharsets.UTF_8));
            }
            System.out.println(view);
            smartMap.barrier(); // nobody unmaps while a peer still reads
        }
    }
}
