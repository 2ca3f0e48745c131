using System.Text;
using FlumeNet.Sources;

namespace FlumeNet.Core.Tests.Sources;

public sealed class Utf8LineReaderTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(64)]
    public async Task SplitsOnLfCrAndCrLfWhereverTheBufferEnds(int bufferSize)
    {
        var lines = await ReadAll("a\nbb\r\nccc\rdd\r\n\r\neee", bufferSize);
        Assert.Equal(["a", "bb", "ccc", "dd", "", "eee"], lines);
    }

    [Fact]
    public async Task ATrailingTerminatorGivesNoExtraLine()
    {
        Assert.Equal(["x", "y"], await ReadAll("x\ny\r\n", 4));
        Assert.Empty(await ReadAll(string.Empty, 4));
    }

    [Fact]
    public async Task ValidUtf8IsKeptAndInvalidBytesBecomeReplacementCharacters()
    {
        var bytes = new byte[] { 0x63, 0x61, 0x66, 0xC3, 0xA9, 0x0A, 0x61, 0xFF, 0x62, 0x0A };
        var reader = new Utf8LineReader(new MemoryStream(bytes), 2);
        Assert.Equal(new byte[] { 0x63, 0x61, 0x66, 0xC3, 0xA9 }, await reader.ReadLineAsync(CancellationToken.None));
        Assert.Equal(new byte[] { 0x61, 0xEF, 0xBF, 0xBD, 0x62 }, await reader.ReadLineAsync(CancellationToken.None));
        Assert.Null(await reader.ReadLineAsync(CancellationToken.None));
    }

    [Fact]
    public async Task LinesAlreadyReceivedAreReturnedSynchronously()
    {
        var reader = new Utf8LineReader(new MemoryStream(Encoding.UTF8.GetBytes("1\n2\n3\n")));
        Assert.NotNull(await reader.ReadLineAsync(CancellationToken.None));
        var second = reader.ReadLineAsync(CancellationToken.None);
        Assert.True(second.IsCompletedSuccessfully);
        Assert.Equal("2"u8.ToArray(), await second);
    }

    private static async Task<List<string>> ReadAll(string text, int bufferSize)
    {
        var reader = new Utf8LineReader(new MemoryStream(Encoding.UTF8.GetBytes(text)), bufferSize);
        var result = new List<string>();
        while (await reader.ReadLineAsync(CancellationToken.None) is { } line)
        {
            result.Add(Encoding.UTF8.GetString(line));
        }

        return result;
    }
}
