using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Numerics;

namespace UserKernel.RootFs.Ext4;

/// <summary>
/// DX_HASH_*: the directory hash functions (s_def_hash_version, dx_root_info.hash_version).
/// The unsigned variants differ only in reading name bytes as unsigned char; a filesystem says
/// which it uses with EXT2_FLAGS_SIGNED_HASH or EXT2_FLAGS_UNSIGNED_HASH in s_flags.
/// </summary>
public enum DxHashVersion : byte
{
    Legacy = 0,
    HalfMd4 = 1,
    Tea = 2,
    LegacyUnsigned = 3,
    HalfMd4Unsigned = 4,
    TeaUnsigned = 5,
    /// <summary>Casefolded encrypted directories keep the hash in the entry; not computable from a name.</summary>
    Siphash = 6,
}

/// <summary>A name's directory hash: the major hash (bit 0 always clear) and the minor hash.</summary>
public readonly record struct DxHash(uint Major, uint Minor) : IComparable<DxHash>
{
    /// <summary>EXT4_HTREE_EOF_64BIT: the readdir position past the last entry, for 64-bit callers.</summary>
    public const long EndPosition = 0x7fffffffffffffff;

    /// <summary>The readdir position (hash2pos for a 64-bit caller): major without its clear bit 0, then minor.</summary>
    public long Position => (long)((ulong)(Major >> 1) << 32 | Minor);

    /// <summary>Orders by major hash, then minor hash, as the htree and readdir do.</summary>
    public int CompareTo(DxHash other) => Major != other.Major ? Major.CompareTo(other.Major) : Minor.CompareTo(other.Minor);
}

/// <summary>
/// The ext4 directory hash of a name (ext4fs_dirhash): the legacy dx_hack_hash, half-MD4 and
/// TEA, each signed or unsigned, seeded with s_hash_seed. It decides both where an entry lives in
/// an htree and the order and positions readdir reports.
/// </summary>
public sealed class DirHash
{
    /// <summary>EXT2_FLAGS_SIGNED_HASH in s_flags.</summary>
    public const uint FlagsSignedHash = 0x1;
    /// <summary>EXT2_FLAGS_UNSIGNED_HASH in s_flags.</summary>
    public const uint FlagsUnsignedHash = 0x2;

    private const uint HtreeEof32 = 0x7fffffff;
    private const uint TeaDelta = 0x9E3779B9;
    // The round constants of MD4 rounds 2 and 3: sqrt(2) and sqrt(3) scaled to 2^30.
    private const uint Md4K2 = 0x5A827999;
    private const uint Md4K3 = 0x6ED9EBA1;

    private static readonly uint[] DefaultSeed = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];

    private readonly uint[] _seed;

    /// <param name="version">The hash function, signedness included.</param>
    /// <param name="seed">s_hash_seed, four words; null or all zero means the default (MD4's initial state).</param>
    public DirHash(DxHashVersion version, IReadOnlyList<uint>? seed)
    {
        if (version > DxHashVersion.TeaUnsigned)
        {
            throw new ArgumentOutOfRangeException(nameof(version), version, "no hash function computes this version from a name");
        }
        if (seed != null && seed.Count != 4)
        {
            throw new ArgumentException("a hash seed is four words", nameof(seed));
        }
        Version = version;
        _seed = seed != null && (seed[0] | seed[1] | seed[2] | seed[3]) != 0 ? [seed[0], seed[1], seed[2], seed[3]] : DefaultSeed;
    }

    public DxHashVersion Version { get; }

    /// <summary>
    /// The version a directory's hash actually uses: legacy, half-MD4 and TEA read bytes unsigned
    /// when s_flags says so. With neither flag Linux on x86 (signed char) uses the signed variants.
    /// </summary>
    public static DxHashVersion Effective(byte version, uint superBlockFlags) =>
        version <= (byte)DxHashVersion.Tea && (superBlockFlags & FlagsUnsignedHash) != 0
            ? (DxHashVersion)(version + 3)
            : (DxHashVersion)version;

    /// <summary>The hash of <paramref name="name"/> (raw bytes).</summary>
    public DxHash Hash(ReadOnlySpan<byte> name)
    {
        uint major;
        uint minor = 0;
        bool unsigned = Version >= DxHashVersion.LegacyUnsigned;
        switch (Version)
        {
            case DxHashVersion.Legacy:
            case DxHashVersion.LegacyUnsigned:
                major = LegacyHash(name, unsigned);
                break;
            case DxHashVersion.HalfMd4:
            case DxHashVersion.HalfMd4Unsigned:
            {
                Span<uint> state = stackalloc uint[4];
                Span<uint> input = stackalloc uint[8];
                _seed.CopyTo(state);
                for (int at = 0; at < name.Length; at += 32)
                {
                    Pack(name[at..], input, unsigned);
                    HalfMd4(state, input);
                }
                major = state[1];
                minor = state[2];
                break;
            }
            default:
            {
                Span<uint> state = stackalloc uint[4];
                Span<uint> input = stackalloc uint[4];
                _seed.CopyTo(state);
                for (int at = 0; at < name.Length; at += 16)
                {
                    Pack(name[at..], input, unsigned);
                    Tea(state, input);
                }
                major = state[0];
                minor = state[1];
                break;
            }
        }
        major &= ~1u;
        // The largest major hash would read as the end-of-directory position, so it is moved down one.
        if (major == HtreeEof32 << 1)
        {
            major = (HtreeEof32 - 1) << 1;
        }
        return new DxHash(major, minor);
    }

    /// <summary>dx_hack_hash: the original ext3 htree hash, 31 bits shifted left one.</summary>
    private static uint LegacyHash(ReadOnlySpan<byte> name, bool unsigned)
    {
        uint hash0 = 0x12a3fe2d;
        uint hash1 = 0x37abe8f9;
        foreach (byte b in name)
        {
            uint hash = hash1 + (hash0 ^ (uint)(Char(b, unsigned) * 7152373));
            if ((hash & 0x80000000) != 0)
            {
                hash -= 0x7fffffff;
            }
            hash1 = hash0;
            hash0 = hash;
        }
        return hash0 << 1;
    }

    /// <summary>
    /// str2hashbuf: packs up to 4 * words.Length bytes of <paramref name="rest"/> (the name from here
    /// on) big-end first into words, each started from a pad made of the remaining length; words
    /// past the name are the pad itself.
    /// </summary>
    private static void Pack(ReadOnlySpan<byte> rest, Span<uint> words, bool unsigned)
    {
        uint pad = (uint)rest.Length | ((uint)rest.Length << 8);
        pad |= pad << 16;
        int length = Math.Min(rest.Length, words.Length * 4);
        int word = 0;
        uint value = pad;
        for (int i = 0; i < length; i++)
        {
            value = (uint)Char(rest[i], unsigned) + (value << 8);
            if (i % 4 == 3)
            {
                words[word++] = value;
                value = pad;
            }
        }
        if (word < words.Length)
        {
            words[word++] = value;
        }
        words[word..].Fill(pad);
    }

    /// <summary>A name byte as the C code sees it: char is signed on x86 unless the hash is unsigned.</summary>
    private static int Char(byte b, bool unsigned) => unsigned ? b : (sbyte)b;

    /// <summary>The TEA block cipher's 16 rounds, added into the first two words of the state.</summary>
    private static void Tea(Span<uint> state, ReadOnlySpan<uint> input)
    {
        uint sum = 0;
        uint b0 = state[0];
        uint b1 = state[1];
        uint a = input[0], b = input[1], c = input[2], d = input[3];
        for (int n = 0; n < 16; n++)
        {
            sum += TeaDelta;
            b0 += ((b1 << 4) + a) ^ (b1 + sum) ^ ((b1 >> 5) + b);
            b1 += ((b0 << 4) + c) ^ (b0 + sum) ^ ((b0 >> 5) + d);
        }
        state[0] += b0;
        state[1] += b1;
    }

    /// <summary>MD4's three rounds cut to eight steps each, over eight input words.</summary>
    private static void HalfMd4(Span<uint> state, ReadOnlySpan<uint> x)
    {
        uint a = state[0], b = state[1], c = state[2], d = state[3];

        a = Step(F(b, c, d), a, x[0], 3);
        d = Step(F(a, b, c), d, x[1], 7);
        c = Step(F(d, a, b), c, x[2], 11);
        b = Step(F(c, d, a), b, x[3], 19);
        a = Step(F(b, c, d), a, x[4], 3);
        d = Step(F(a, b, c), d, x[5], 7);
        c = Step(F(d, a, b), c, x[6], 11);
        b = Step(F(c, d, a), b, x[7], 19);

        a = Step(G(b, c, d), a, x[1] + Md4K2, 3);
        d = Step(G(a, b, c), d, x[3] + Md4K2, 5);
        c = Step(G(d, a, b), c, x[5] + Md4K2, 9);
        b = Step(G(c, d, a), b, x[7] + Md4K2, 13);
        a = Step(G(b, c, d), a, x[0] + Md4K2, 3);
        d = Step(G(a, b, c), d, x[2] + Md4K2, 5);
        c = Step(G(d, a, b), c, x[4] + Md4K2, 9);
        b = Step(G(c, d, a), b, x[6] + Md4K2, 13);

        a = Step(H(b, c, d), a, x[3] + Md4K3, 3);
        d = Step(H(a, b, c), d, x[7] + Md4K3, 9);
        c = Step(H(d, a, b), c, x[2] + Md4K3, 11);
        b = Step(H(c, d, a), b, x[6] + Md4K3, 15);
        a = Step(H(b, c, d), a, x[1] + Md4K3, 3);
        d = Step(H(a, b, c), d, x[5] + Md4K3, 9);
        c = Step(H(d, a, b), c, x[0] + Md4K3, 11);
        b = Step(H(c, d, a), b, x[4] + Md4K3, 15);

        state[0] += a;
        state[1] += b;
        state[2] += c;
        state[3] += d;
    }

    private static uint Step(uint f, uint acc, uint x, int shift) => BitOperations.RotateLeft(acc + f + x, shift);
    private static uint F(uint x, uint y, uint z) => z ^ (x & (y ^ z));
    private static uint G(uint x, uint y, uint z) => (x & y) + ((x ^ y) & z);
    private static uint H(uint x, uint y, uint z) => x ^ y ^ z;

    /// <summary>Reads s_hash_seed's 16 bytes as four little-endian words.</summary>
    internal static uint[] ParseSeed(ReadOnlySpan<byte> raw) =>
    [
        BinaryPrimitives.ReadUInt32LittleEndian(raw),
        BinaryPrimitives.ReadUInt32LittleEndian(raw[4..]),
        BinaryPrimitives.ReadUInt32LittleEndian(raw[8..]),
        BinaryPrimitives.ReadUInt32LittleEndian(raw[12..]),
    ];
}
