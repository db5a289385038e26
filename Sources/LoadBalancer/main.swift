// The SwiftNIO load balancer in front of the app replicas. Configuration comes from LB_*
// environment variables and the backends file (see the README); the logic is in LoadBalancerCore.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import LoadBalancerCore

let balancer: LoadBalancer
do {
    let configuration = try LoadBalancerConfiguration(environment: LoadBalancerConfiguration.processEnvironment())
    balancer = try LoadBalancer(configuration: configuration)
    try await balancer.start()
} catch {
    EventLog.error("cannot start: \(error)")
    exit(2)
}
await balancer.runUntilSignalled()
