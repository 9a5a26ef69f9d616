package io.smartmap.collectives;

/**
 * {@code acc[i] = acc[i] op in[i]} for {@code i < count} over raw memory of this process
 * (segment regions as mapped here). The accumulator is the left operand: it holds the fold of the
 * lower ranks, so folding ranks in order keeps every algorithm bit-identical.
 */
public interface ReductionKernel
{
    /**
     * @param accAddress virtual address of the accumulator, {@code count} elements, read and written.
     * @param inAddress  virtual address of the next contribution, {@code count} elements, read only.
     * @param count      elements, not bytes.
     */
    void apply(long accAddress, long inAddress, int count);

    /**
     * {@code out[i] = left[i] op right[i]} for {@code i < count}: the first step of a fold in one pass
     * over memory instead of a copy and an {@link #apply}. Same bits as copying {@code left} into
     * {@code out} and applying {@code right}.
     *
     * @param outAddress   virtual address of the result, {@code count} elements, written; it may be
     *                     {@code leftAddress}, otherwise it must overlap neither input.
     * @param leftAddress  virtual address of the left operand (the lower ranks), read only.
     * @param rightAddress virtual address of the right operand (the next rank), read only.
     * @param count        elements, not bytes.
     */
    void combine(long outAddress, long leftAddress, long rightAddress, int count);

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
