package io.smartmap.collectives;

/**
 * {@code acc[i] = acc[i] op in[i]} for {@code i < count} over raw memory of this process
 * (segment regions as mapped here). The accumulator is the left operand: it holds the fold of the
 * lower ranks, so folding ranks in order keeps every algorithm bit-identical.
 */
@FunctionalInterface
interface ReductionKernel
{
    void apply(long accAddress, long inAddress, int count);
}
