import Hummingbird

/// The home page. A placeholder until the respondent pages land.
struct HomeController {
    func addRoutes(to router: Router<some RequestContext>) {
        router.get("/") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: Self.page)))
        }
    }

    static let page = """
        <!doctype html>
        <html lang="pt-BR">
        <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Pesquisa de mercado</title></head>
        <body><main><h1>Pesquisa de mercado</h1>
        <p>O questionário estará disponível em breve. / The questionnaire will be available soon.</p></main></body>
        </html>
        """
}
