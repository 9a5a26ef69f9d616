package io.smartmap.collectives;

import io.smartmap.core.RegionBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class CollectivesSmokeTest
{
    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void shouldAllReduceDoublesOnThreeRanks(final Algorithm algorithm) throws Exception
    {
        final int count = algorithm == Algorithm.INLINE ? 100 : 10_000; // INLINE: what fits a slot
        final List<double[]> results = ThreadRanks.run(3, 4L << 20, comm ->
        {
            final RegionBuffer send = comm.allocate(count, Datatype.DOUBLE);
            final RegionBuffer recv = comm.allocate(count, Datatype.DOUBLE);
            for (int i = 0; i < count; i++)
            {
                send.putDouble(i, comm.getRank() * 1000.0 + i);
            }
            comm.allReduce(send, recv, count, Datatype.DOUBLE, Op.SUM, algorithm);
            final double[] out = new double[count];
            recv.asDoubleBuffer().get(out);
            return out;
        });
        for (final double[] result : results)
        {
            for (int i = 0; i < count; i++)
            {
                assertEquals(3000.0 + 3.0 * i, result[i], "element " + i);
            }
        }
    }
}
