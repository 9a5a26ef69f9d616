package io.smartmap.collectives;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * A user-defined reduction over a slice of two buffers (the Java form of MPI's
 * {@code MPI_User_function}, MPI 4.1 section 6.9.5), with the accumulator first:
 * for every element {@code i < count}, {@code inout[i] = inout[i] op in[i]}, where {@code inout}
 * holds the fold of the lower-ranked contributions and {@code in} the next rank's. Buffers hold
 * exactly {@code count} elements of {@code datatype} from index 0, in native byte order.
 * <p>
 * It must be a pure function of its inputs (every rank runs it on its own slice) and must not
 * keep the buffers: they are views of other ranks' memory valid only during the call.
 */
@FunctionalInterface
public interface UserFunction
{
    void apply(MutableDirectBuffer inout, DirectBuffer in, int count, Datatype datatype);
}
