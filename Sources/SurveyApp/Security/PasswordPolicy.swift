/// What a new password must be: long enough, and not one that attackers try first.
enum PasswordPolicy {
    static let minimumLength = 10

    enum Problem: Equatable {
        case tooShort
        case tooCommon
        case sameAsEmail
    }

    static func problem(password: String, email: String) -> Problem? {
        if password.count < minimumLength { return .tooShort }
        let folded = password.lowercased()
        if folded == email.lowercased() || folded == email.lowercased().split(separator: "@").first.map(String.init) { return .sameAsEmail }
        if commonPasswords.contains(folded) { return .tooCommon }
        // A single character repeated, or a straight run of digits, is as good as common.
        if Set(folded).count <= 2 { return .tooCommon }
        return nil
    }

    /// The most used passwords of 10 characters or more in public breach lists, with Brazilian
    /// favourites, compared case-insensitively.
    static let commonPasswords: Set<String> = [
        "1234567890", "0987654321", "12345678910", "123456789a", "a123456789", "1q2w3e4r5t", "1q2w3e4r5t6y",
        "qwertyuiop", "qwertyuiop1", "asdfghjkl1", "zxcvbnm123", "1qaz2wsx3edc", "qazwsxedc123", "qwerty1234",
        "qwerty12345", "qwerty123456", "password12", "password123", "password1234", "passw0rd123", "p@ssw0rd123",
        "iloveyou12", "iloveyou123", "princess123", "football123", "baseball123", "superman123", "starwars123",
        "welcome123", "welcome1234", "letmein123", "sunshine123", "abc1234567", "abcd123456", "abcdefghij",
        "1111111111", "0000000000", "1122334455", "1234512345", "123123123123", "1234554321", "5555555555",
        "administrator", "changeme123", "trustno1234", "monkey12345", "dragon12345", "master12345", "shadow12345",
        "michael123", "jennifer123", "charlie123", "computer123", "internet123", "whatever123", "freedom123",
        "senha12345", "senha123456", "minhasenha", "minhasenha1", "minhasenha123", "mudar12345", "mudar123456",
        "brasil1234", "brasil12345", "flamengo123", "corinthians", "corinthians1", "palmeiras1", "palmeiras123",
        "saopaulo123", "vasco12345", "gremio1234", "cruzeiro123", "botafogo123", "santos1234", "internacional",
        "jesus12345", "jesuscristo", "deusefiel", "deuseamor", "deusefiel123", "te amo1234", "teamo12345",
        "amor123456", "familia123", "felicidade", "vitoria123", "gabriel123", "mariana123", "carolina123",
        "123mudar123", "abc12345678", "qwe123qwe123", "asd123asd123", "zaq12wsx3edc", "pass12345678",
    ]
}
