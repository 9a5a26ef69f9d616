package io.smartmap.collectives;

/**
 * {@code acc[i] = acc[i] op in[i]} for {@code i < count} over raw memory of this process
 * (segment regions as mapped here). The accumulator is the left operand: it holds the fold of the
 * lower ranks, so folding ranks in order keeps every algorithm bit-identical.
 */
@FunctionalInterface
public interface ReductionKernel
{
    /**
     * @param accAddress virtual address of the accumulator, {@code count} elements, read and written.
     * @param inAddress  virtual address of the next contribution, {@code count} elements, read only.
     * @param count      elements, not bytes.
     */
    void apply(long accAddress, long inAddress, int count);

    /**
     * Called once on each final result after its last {@link #apply}: float and double kernels
     * store every NaN as the canonical NaN there, so results are bit-identical however the JIT
     * compiled the fold. The default does nothing.
     *
     * @param accAddress virtual address of the result, {@code count} elements.
     * @param count      elements, not bytes.
     */
    default void finish(long accAddress, int count)
    {
    }
}
