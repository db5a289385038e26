// The SwiftNIO load balancer is not built yet: it arrives with its own issue. Until then this
// executable says so and fails, rather than pretending to balance anything.
#if canImport(Glibc)
import Glibc
#endif

print("LoadBalancer is not implemented yet; serve the app directly (make run) for now.")
exit(1)
