import 'package:collection/collection.dart';

/// A product in the shop.
class Product {
  final String id;
  final double price;

  const Product(this.id, this.price);
}

/// The items a customer has picked.
class Cart {
  final Map<String, int> _counts = {};

  /// Add [qty] units of [product].
  void add(Product product, {int qty = 1}) {
    _counts.update(product.id, (n) => n + qty, ifAbsent: () => qty);
  }

  int get size => _counts.values.sum;
}

/// The total price of [cart], looked up in [catalog].
double total(Cart cart, Map<String, Product> catalog) {
  var sum = 0.0;
  cart._counts.forEach((id, n) {
    sum += catalog[id]!.price * n;
  });
  return sum;
}
