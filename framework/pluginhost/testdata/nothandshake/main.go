// Command nothandshake is an executable on the plugin path that is not a
// plugin: it prints a line and exits without a handshake.
package main

import "fmt"

func main() {
	fmt.Println("hello from a program that is not a snnlab plugin")
}
