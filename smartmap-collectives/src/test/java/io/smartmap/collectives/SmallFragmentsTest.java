package io.smartmap.collectives;

import io.smartmap.core.RegionBuffer;
import io.smartmap.core.RegionDescriptor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The two-copy path with the per-job fragment size of a small stride (issue 9: many ranks get
 * fragments below 32 KiB): every collective moves messages of many fragments and a partial last one.
 */
class SmallFragmentsTest
{
    private static final long REGION = 128 * 1024;

    @ParameterizedTest
    @CsvSource({"3, 2048", "5, 1024"})
    void shouldRunEveryTwoCopyCollectiveWithSmallFragments(final int size, final int fragmentBytes) throws Exception
    {
        assertEquals(fragmentBytes, RegionDescriptor.fragmentBytes(size, REGION));
        final int count = 1000; // doubles: 8000 bytes, several fragments and a partial one
        final int block = 300; // alltoall and allgather: 2400 bytes per rank
        final List<String> failures = ThreadRanks.run(size, REGION, comm ->
        {
            final int rank = comm.getRank();
            final List<String> wrong = new ArrayList<>();
            final RegionBuffer send = comm.allocate(block * size, Datatype.DOUBLE);
            final RegionBuffer recv = comm.allocate(block * size, Datatype.DOUBLE);
            final RegionBuffer vector = comm.allocate(count, Datatype.DOUBLE);
            final RegionBuffer result = comm.allocate(count, Datatype.DOUBLE);
            for (int i = 0; i < count; i++)
            {
                vector.putDouble(i, rank * 10_000.0 + i);
            }
            comm.allReduce(vector, result, count, Datatype.DOUBLE, Op.SUM, Algorithm.TWO_COPY);
            final double base = 10_000.0 * size * (size - 1) / 2;
            for (int i = 0; i < count; i++)
            {
                if (result.getDouble(i) != base + (double)size * i)
                {
                    wrong.add("allreduce element " + i + ": " + result.getDouble(i));
                    break;
                }
            }
            comm.reduce(vector, result, count, Datatype.DOUBLE, Op.MAX, size - 1, Algorithm.TWO_COPY);
            if (rank == size - 1 && result.getDouble(count - 1) != (size - 1) * 10_000.0 + count - 1)
            {
                wrong.add("reduce last element: " + result.getDouble(count - 1));
            }
            comm.bcast(vector, count, Datatype.DOUBLE, 1, Algorithm.TWO_COPY);
            for (int i = 0; i < count; i++)
            {
                if (vector.getDouble(i) != 10_000.0 + i)
                {
                    wrong.add("bcast element " + i + ": " + vector.getDouble(i));
                    break;
                }
            }
            for (int to = 0; to < size; to++)
            {
                for (int i = 0; i < block; i++)
                {
                    send.putDouble(to * block + i, rank * 1_000_000.0 + to * 1000.0 + i);
                }
            }
            comm.allToAll(send, recv, block, Datatype.DOUBLE, Algorithm.TWO_COPY);
            for (int from = 0; from < size && wrong.isEmpty(); from++)
            {
                for (int i = 0; i < block; i++)
                {
                    if (recv.getDouble(from * block + i) != from * 1_000_000.0 + rank * 1000.0 + i)
                    {
                        wrong.add("alltoall from " + from + " element " + i + ": " + recv.getDouble(from * block + i));
                        break;
                    }
                }
            }
            comm.allGather(vector, recv, block, Datatype.DOUBLE, Algorithm.TWO_COPY);
            for (int from = 0; from < size && wrong.isEmpty(); from++)
            {
                for (int i = 0; i < block; i++)
                {
                    if (recv.getDouble(from * block + i) != 10_000.0 + i)
                    {
                        wrong.add("allgather from " + from + " element " + i + ": " + recv.getDouble(from * block + i));
                        break;
                    }
                }
            }
            return wrong.isEmpty() ? "" : "rank " + rank + ": " + wrong;
        });
        for (final String failure : failures)
        {
            assertEquals("", failure);
        }
    }
}
