namespace Metrix.Cli.Tests;

public sealed class CommandRunnerTests
{
    [Theory]
    [InlineData(typeof(OverflowException))]
    [InlineData(typeof(DivideByZeroException))]
    [InlineData(typeof(InvalidCastException))]
    [InlineData(typeof(NullReferenceException))]
    [InlineData(typeof(IndexOutOfRangeException))]
    public void A_runtime_exception_fails_with_exit_1_and_never_shows_the_runtime_message(Type type)
    {
        var fault = (Exception)Activator.CreateInstance(type)!;
        var error = new StringWriter();
        int code = CommandRunner.Guard(new CommandContext(TextWriter.Null, error, Verbose: false, CancellationToken.None), () => throw fault);
        Assert.Equal(ExitCodes.Failure, code);
        Assert.DoesNotContain(fault.Message, error.ToString());
        Assert.StartsWith("error: unexpected " + type.Name, error.ToString());
        Assert.DoesNotContain("   at ", error.ToString());
    }

    [Fact]
    public void A_bad_file_is_a_failure_not_a_usage_error()
    {
        var error = new StringWriter();
        int code = CommandRunner.Guard(new CommandContext(TextWriter.Null, error, Verbose: false, CancellationToken.None),
            () => throw new InvalidDataException("/data/w.pth: damaged file"));
        Assert.Equal(ExitCodes.Failure, code);
        Assert.Equal("error: /data/w.pth: damaged file", error.ToString().Trim());
    }
}
