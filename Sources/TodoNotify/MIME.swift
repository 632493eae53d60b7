import Foundation
import TodoCore

/// The message as sent: headers, and text and HTML alternatives, base64 (so no line is too long
/// and no line starts with a dot).
enum MIME {
    static func render(_ m: EmailMessage, from: String) -> String {
        let boundary = "todo-" + UUID().uuidString.lowercased()
        var lines = [
            "Date: \(Timestamp.rfc5322(m.date))", "From: Todo <\(from)>", "To: <\(m.to)>", "Subject: \(encodedWord(m.subject))",
            "Message-ID: <\(m.messageID)>", "MIME-Version: 1.0", "Content-Type: multipart/alternative; boundary=\"\(boundary)\"", "",
            "--\(boundary)", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64", "",
        ]
        lines += base64Lines(m.text)
        lines += ["--\(boundary)", "Content-Type: text/html; charset=utf-8", "Content-Transfer-Encoding: base64", ""]
        lines += base64Lines(m.html)
        lines += ["--\(boundary)--", ""]
        return lines.joined(separator: "\r\n")
    }

    static func base64Lines(_ text: String) -> [String] {
        let encoded = Data(text.utf8).base64EncodedString()
        var result: [String] = []
        var i = encoded.startIndex
        while i < encoded.endIndex {
            let j = encoded.index(i, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
            result.append(String(encoded[i..<j]))
            i = j
        }
        return result
    }

    /// RFC 2047: ASCII stays as it is; anything else becomes `=?UTF-8?B?…?=` words.
    static func encodedWord(_ text: String) -> String {
        let safe = text.unicodeScalars.allSatisfy { $0.isASCII && $0.value >= 32 && $0.value != 127 }
        if safe && text.count <= 900 { return text }
        var words: [String] = []
        var chunk = ""
        for ch in text {
            // 45 bytes of UTF-8 make a 60-character base64 word; never split a character.
            if chunk.utf8.count + String(ch).utf8.count > 45 {
                words.append("=?UTF-8?B?\(Data(chunk.utf8).base64EncodedString())?=")
                chunk = ""
            }
            chunk.append(ch)
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?\(Data(chunk.utf8).base64EncodedString())?=") }
        return words.joined(separator: "\r\n ")
    }
}
