import Testing
import TodoCore

/// The SSRF defence's view of addresses: what a webhook may not reach.
@Suite struct NetworkAddressTests {
    @Test(arguments: [
        "127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1",
        "255.255.255.255", "::1", "::", "fe80::1", "fc00::1", "fd00:ec2::254", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "64:ff9b::a9fe:a9fe",
        "ff02::1", "2001:db8::1",
    ])
    func privateAndSpecialAddressesAreRefused(_ text: String) throws {
        let address = try #require(NetworkAddress(text))
        #expect(address.refusal != nil)
    }

    @Test(arguments: ["93.184.216.34", "8.8.8.8", "172.32.0.1", "2606:4700:4700::1111", "::ffff:93.184.216.34", "100.128.0.1"])
    func publicAddressesAreAllowed(_ text: String) throws {
        let address = try #require(NetworkAddress(text))
        #expect(address.refusal == nil)
    }

    @Test func parsing() {
        #expect(NetworkAddress("01.2.3.4") == nil)
        #expect(NetworkAddress("1.2.3") == nil)
        #expect(NetworkAddress("256.1.1.1") == nil)
        #expect(NetworkAddress("1::2::3") == nil)
        #expect(NetworkAddress("localhost") == nil)
        #expect(NetworkAddress("::ffff:1.2.3.4")?.description == "0:0:0:0:0:ffff:102:304")
        #expect(NetworkAddress("1:2:3:4:5:6:7:8")?.description == "1:2:3:4:5:6:7:8")
    }
}
