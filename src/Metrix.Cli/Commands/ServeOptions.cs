namespace Metrix.Cli;

/// <summary>Where and how <see cref="SearchServer"/> listens and what it accepts.</summary>
/// <param name="Host">IP address to listen on (127.0.0.1 by default; "localhost" means the loopback address).</param>
/// <param name="Port">TCP port; 0 picks a free one (read <see cref="SearchServer.Port"/>).</param>
/// <param name="MaxUploadBytes">Largest request body accepted by POST /search (larger: 413).</param>
/// <param name="MaxConcurrent">Searches run at once; up to as many more wait, the rest get 503.</param>
/// <param name="MaxK">Largest <c>k</c> a search may ask for.</param>
internal sealed record ServeOptions(string Host = "127.0.0.1", int Port = 8080, long MaxUploadBytes = 8L << 20, int MaxConcurrent = 4, int MaxK = 100);
