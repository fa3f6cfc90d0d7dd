module lean-go-images

go 1.26
