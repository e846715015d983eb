import Hummingbird
import LoupeStore

/// Turns whatever a route throws into an HTML error page with the right status, so a bad URL, an
/// unknown run or a damaged store reads as a sentence and never as a dropped connection: request
/// errors keep their status, an unknown run is 404 naming it, an ambiguous prefix 400 listing the
/// matches, the router's own errors (no such page) keep theirs, anything else is 500.
struct ErrorPageMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as RequestError {
            return HTMLResponse.error(error.status, error.message)
        } catch let error as StoreError {
            switch error {
            case .unknownRun: return HTMLResponse.error(.notFound, error.description)
            case .ambiguousRun, .invalid: return HTMLResponse.error(.badRequest, error.description)
            default: return HTMLResponse.error(.internalServerError, error.description)
            }
        } catch let error as HTTPError {
            let message = error.status == .notFound ? "There is no page at \(request.uri.path)." : error.body ?? error.status.reasonPhrase
            return HTMLResponse.error(error.status, message)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            return HTMLResponse.error(.internalServerError, "\(error)")
        }
    }
}
