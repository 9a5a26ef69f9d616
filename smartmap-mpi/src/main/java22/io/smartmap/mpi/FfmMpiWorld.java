package io.smartmap.mpi;

import java.lang.foreign.MemorySegment;

/**
 * {@link MpiWorld} over the {@link MpiLibrary} this process initialised ({@link FfmMpiLibrary#initialised()}):
 * addresses become {@link MemorySegment}s of exactly the bytes each call reads or writes.
 */
final class FfmMpiWorld implements MpiWorld
{
    private final MpiLibrary mpi;
    private final MpiComm world;
    private final int rank;
    private final int size;

    private FfmMpiWorld(final MpiLibrary mpi)
    {
        this.mpi = mpi;
        this.world = mpi.world();
        this.rank = mpi.rank(world);
        this.size = mpi.size(world);
    }

    /** Called by {@link MpiWorld#current()}. */
    static MpiWorld current()
    {
        return new FfmMpiWorld(FfmMpiLibrary.initialised());
    }

    @Override
    public String abi()
    {
        return mpi.abi();
    }

    @Override
    public String library()
    {
        return mpi.library();
    }

    @Override
    public int rank()
    {
        return rank;
    }

    @Override
    public int size()
    {
        return size;
    }

    @Override
    public void barrier()
    {
        mpi.barrier(world);
    }

    @Override
    public void bcast(final long address, final int count, final MpiDatatype datatype, final int root)
    {
        mpi.bcast(memory(address, count, datatype), count, datatype, root, world);
    }

    @Override
    public void reduce(final long sendAddress, final long recvAddress, final int count, final MpiDatatype datatype,
        final MpiOp op, final int root)
    {
        mpi.reduce(memory(sendAddress, count, datatype), recvAddress == 0 ? null : memory(recvAddress, count, datatype),
            count, datatype, op, root, world);
    }

    @Override
    public void allReduce(final long sendAddress, final long recvAddress, final int count, final MpiDatatype datatype,
        final MpiOp op)
    {
        mpi.allReduce(memory(sendAddress, count, datatype), memory(recvAddress, count, datatype), count, datatype, op,
            world);
    }

    @Override
    public void allGather(final long sendAddress, final long recvAddress, final int count, final MpiDatatype datatype)
    {
        mpi.allGather(memory(sendAddress, count, datatype), memory(recvAddress, (long)count * size, datatype), count,
            datatype, world);
    }

    @Override
    public void allToAll(final long sendAddress, final long recvAddress, final int count, final MpiDatatype datatype)
    {
        final long total = (long)count * size;
        mpi.allToAll(memory(sendAddress, total, datatype), memory(recvAddress, total, datatype), count, datatype, world);
    }

    @Override
    public String toString()
    {
        return "MpiWorld{rank=" + rank + ", size=" + size + ", abi=" + mpi.abi() + ", library=" + mpi.library() + '}';
    }

    private static MemorySegment memory(final long address, final long count, final MpiDatatype datatype)
    {
        if (address == 0)
        {
            throw new IllegalArgumentException("null buffer address: count=" + count + ", datatype=" + datatype);
        }
        if (count < 0)
        {
            throw new IllegalArgumentException("count must not be negative: count=" + count + ", datatype=" + datatype);
        }
        return MemorySegment.ofAddress(address).reinterpret(count * datatype.extent());
    }
}
