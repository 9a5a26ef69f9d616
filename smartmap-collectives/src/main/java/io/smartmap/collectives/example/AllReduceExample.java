package io.smartmap.collectives.example;

import io.smartmap.collectives.Communicator;
import io.smartmap.collectives.Datatype;
import io.smartmap.collectives.Op;
import io.smartmap.core.RegionBuffer;

/**
 * Allocate buffers in this rank's region and sum them across ranks in place (single copy). Run:
 * {@code bin/smartmap-run -n 4 java -cp smartmap-collectives/target/smartmap-collectives-all.jar
 * io.smartmap.collectives.example.AllReduceExample}.
 */
public final class AllReduceExample
{
    private AllReduceExample()
    {
    }

    public static void main(final String[] args)
    {
        try (Communicator comm = Communicator.world())
        {
            final int count = 1 << 20;
            final RegionBuffer send = comm.allocate(count, Datatype.DOUBLE);
            final RegionBuffer recv = comm.allocate(count, Datatype.DOUBLE);
            for (int i = 0; i < count; i++)
            {
                send.putDouble(i, comm.getRank() + i);
            }
            comm.allReduce(send, recv, count, Datatype.DOUBLE, Op.SUM);
            System.out.printf("rank %d of %d: recv[0]=%.1f recv[%d]=%.1f%n",
                comm.getRank(), comm.getSize(), recv.getDouble(0), count - 1, recv.getDouble(count - 1));
        }
    }
}
