#include <mysql.h>
// epoll/eventfd are not in the Swift Glibc module.
#include <sys/epoll.h>
#include <sys/eventfd.h>
