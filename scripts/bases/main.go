// Command bases prints the base images the workshop's Dockerfiles build
// FROM, one per line and once each, in directory order. scratch and the
// names of build stages are left out. scripts/ensure-bases.sh reads it.
//
// Usage:
//
//	go run ./scripts/bases
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"slices"

	"lean-go-images/scripts/internal/steps"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("bases: ")
	flag.Usage = func() { fmt.Fprintln(os.Stderr, "usage: go run ./scripts/bases") }
	flag.Parse()
	if flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	root, err := steps.Root()
	if err != nil {
		log.Fatal(err)
	}
	fsys := os.DirFS(root)
	vs, err := steps.Find(fsys)
	if err != nil {
		log.Fatal(err)
	}
	var all []string
	for _, v := range vs {
		refs, err := v.BaseImages(fsys)
		if err != nil {
			log.Fatal(err)
		}
		for _, ref := range refs {
			if !slices.Contains(all, ref) {
				all = append(all, ref)
				fmt.Println(ref)
			}
		}
	}
}
