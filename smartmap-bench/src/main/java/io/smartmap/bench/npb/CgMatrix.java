package io.smartmap.bench.npb;

/**
 * NPB CG's test matrix (NPB 3.3 {@code makea} and {@code sparse}): a random sparse symmetric
 * positive-definite matrix built as a weighted sum of outer products of random sparse vectors,
 * with {@code rcond - shift} added on the diagonal, in compressed sparse row form. Generated in
 * full on every rank (the generator is one sequential random stream); each rank then multiplies
 * only its own rows.
 */
final class CgMatrix
{
    final int n;
    final int[] rowStart;
    final int[] column;
    final double[] value;

    private CgMatrix(final int n, final int[] rowStart, final int[] column, final double[] value)
    {
        this.n = n;
        this.rowStart = rowStart;
        this.column = column;
        this.value = value;
    }

    /**
     * @param problem the class.
     * @param random  the generator, already advanced once as NPB does before {@code makea}.
     * @return the matrix.
     */
    static CgMatrix generate(final CgClass problem, final NpbRandom random)
    {
        final int n = problem.na;
        final int nonzer = problem.nonzer;
        final int[] rowCount = new int[n];
        final int[][] rowColumns = new int[n][nonzer + 1];
        final double[][] rowValues = new double[n][nonzer + 1];

        int powerOfTwo = 1;
        do
        {
            powerOfTwo *= 2;
        }
        while (powerOfTwo < n);

        final int[] positions = new int[nonzer + 1];
        final double[] values = new double[nonzer + 1];
        for (int outer = 0; outer < n; outer++)
        {
            int count = randomSparseVector(n, nonzer, powerOfTwo, values, positions, random);
            count = setElement(values, positions, count, outer + 1, 0.5);
            rowCount[outer] = count;
            for (int k = 0; k < count; k++)
            {
                rowColumns[outer][k] = positions[k] - 1;
                rowValues[outer][k] = values[k];
            }
        }
        return assemble(n, rowCount, rowColumns, rowValues, problem.shift);
    }

    /** {@code sprnvc}: {@code nz} distinct random positions in [1, n] with random values. */
    private static int randomSparseVector(
        final int n, final int nz, final int powerOfTwo, final double[] values, final int[] positions,
        final NpbRandom random)
    {
        int count = 0;
        while (count < nz)
        {
            final double value = random.next(CgClass.MULTIPLIER);
            final double location = random.next(CgClass.MULTIPLIER);
            final int position = (int)(powerOfTwo * location) + 1;
            if (position > n || contains(positions, count, position))
            {
                continue;
            }
            values[count] = value;
            positions[count] = position;
            count++;
        }
        return count;
    }

    private static boolean contains(final int[] positions, final int count, final int position)
    {
        for (int k = 0; k < count; k++)
        {
            if (positions[k] == position)
            {
                return true;
            }
        }
        return false;
    }

    /** {@code vecset}: set position {@code position} to {@code value}, appending it if absent. */
    private static int setElement(
        final double[] values, final int[] positions, final int count, final int position, final double value)
    {
        boolean set = false;
        for (int k = 0; k < count; k++)
        {
            if (positions[k] == position)
            {
                values[k] = value;
                set = true;
            }
        }
        if (set)
        {
            return count;
        }
        values[count] = value;
        positions[count] = position;
        return count + 1;
    }

    /**
     * {@code sparse}: sum the outer products {@code size_i * v_i v_i^T} (size shrinking
     * geometrically to {@code rcond}) into sorted rows, merging duplicates, then compact.
     */
    private static CgMatrix assemble(
        final int n, final int[] rowCount, final int[][] rowColumns, final double[][] rowValues, final double shift)
    {
        final int[] rowStart = new int[n + 1];
        for (int i = 0; i < n; i++)
        {
            for (int k = 0; k < rowCount[i]; k++)
            {
                rowStart[rowColumns[i][k] + 1] += rowCount[i];
            }
        }
        for (int j = 1; j <= n; j++)
        {
            rowStart[j] += rowStart[j - 1];
        }
        final int capacity = rowStart[n];
        final double[] a = new double[capacity];
        final int[] column = new int[capacity];
        java.util.Arrays.fill(column, -1);
        final int[] duplicates = new int[n];

        double size = 1.0;
        final double ratio = Math.pow(CgClass.RCOND, 1.0 / n);
        for (int i = 0; i < n; i++)
        {
            for (int nza = 0; nza < rowCount[i]; nza++)
            {
                final int j = rowColumns[i][nza];
                final double scale = size * rowValues[i][nza];
                for (int nzrow = 0; nzrow < rowCount[i]; nzrow++)
                {
                    final int jcol = rowColumns[i][nzrow];
                    double va = rowValues[i][nzrow] * scale;
                    if (jcol == j && j == i)
                    {
                        va = va + CgClass.RCOND - shift;
                    }
                    final int k = insert(a, column, rowStart[j], rowStart[j + 1], jcol, duplicates, j);
                    a[k] += va;
                }
            }
            size *= ratio;
        }

        for (int j = 1; j < n; j++)
        {
            duplicates[j] += duplicates[j - 1];
        }
        for (int j = 0; j < n; j++)
        {
            final int from = j > 0 ? rowStart[j] - duplicates[j - 1] : 0;
            final int to = rowStart[j + 1] - duplicates[j];
            int source = rowStart[j];
            for (int k = from; k < to; k++)
            {
                a[k] = a[source];
                column[k] = column[source];
                source++;
            }
        }
        for (int j = 1; j <= n; j++)
        {
            rowStart[j] -= duplicates[j - 1];
        }
        final int nonzeros = rowStart[n];
        return new CgMatrix(n, rowStart, java.util.Arrays.copyOf(column, nonzeros), java.util.Arrays.copyOf(a, nonzeros));
    }

    /**
     * Find or make the slot of column {@code jcol} in row {@code j} (kept sorted, -1 marks free
     * slots at the end); counts a duplicate when the column is already there.
     */
    private static int insert(
        final double[] a, final int[] column, final int start, final int end, final int jcol, final int[] duplicates,
        final int row)
    {
        for (int k = start; k < end; k++)
        {
            if (column[k] > jcol)
            {
                for (int kk = end - 2; kk >= k; kk--)
                {
                    if (column[kk] > -1)
                    {
                        a[kk + 1] = a[kk];
                        column[kk + 1] = column[kk];
                    }
                }
                column[k] = jcol;
                a[k] = 0.0;
                return k;
            }
            if (column[k] == -1)
            {
                column[k] = jcol;
                return k;
            }
            if (column[k] == jcol)
            {
                duplicates[row]++;
                return k;
            }
        }
        throw new IllegalStateException("internal error in sparse: row " + row + " is full");
    }
}
