#import "Downloader.h"

@interface Downloader ()
@property (nonatomic, strong) NSMutableDictionary *operations;
@end

@implementation Downloader

// Starts a download, or joins the one already running for the URL.
- (NSOperation *)downloadWithURL:(NSURL *)url completed:(DownloadBlock)done {
    NSOperation *op = self.operations[url];
    if (!op) {
        op = [self makeOperationForURL:url];
        self.operations[url] = op;
    }
    return op;
}

- (void)cancel:(NSOperation *)op {
    [op cancel];
    [self.operations removeObjectForKey:op.name];
}

+ (instancetype)shared {
    static Downloader *instance;
    return instance;
}

@end

static void LogDownload(NSURL *url) {
    NSLog(@"%@", url);
}
